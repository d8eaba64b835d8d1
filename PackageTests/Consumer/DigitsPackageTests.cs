using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tracer;
using Tracer.Nn;
using Tracer.Training;
using Model = Tracer.Nn.Chain<Tracer.Nn.Dense, Tracer.Nn.Dense>;
using Tensor = Tracer.Tensor;

namespace Consumer;

/// <summary>
/// What a user of the NuGet packages does: train the digits classifier briefly, save and load it as safetensors,
/// export it to ONNX and check that ONNX Runtime predicts what Tracer predicts. A package that does not restore,
/// load or run fails here.
/// </summary>
[TestClass]
public class DigitsPackageTests
{
    private const int Pixels = 64, Classes = 10, Hidden = 32;

    private static (Tensor X, Tensor Y) LoadDigits()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"));
        var rows = new List<string>();
        for (int i = 1; i < lines.Length; i++) if (lines[i].Length > 0) rows.Add(lines[i]);
        var x = new float[rows.Count * Pixels];
        var y = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Split(',');
            for (int j = 0; j < Pixels; j++) x[i * Pixels + j] = int.Parse(cells[j], CultureInfo.InvariantCulture) / 16f;
            y[i] = int.Parse(cells[Pixels], CultureInfo.InvariantCulture);
        }
        return (Tensor.FromArray(x, rows.Count, Pixels), Tensor.FromArray(y, rows.Count));
    }

    private static Model Train(Tensor trainX, Tensor trainY, int steps)
    {
        var keys = Prng.Split(Prng.PRNGKey(42), 3);
        var model = Chain.Of(Dense.Create(keys[0], Pixels, Hidden, Activation.Relu), Dense.Create(keys[1], Hidden, Classes));
        var opt = new Adam(learningRate: 1e-2);
        var state = opt.Init(model);
        Func<Model, Tensor, Tensor, Tensor> loss = (m, xb, yb) => Losses.CrossEntropy(m.Apply(xb), yb);
        var valueAndGrad = Jit.ValueAndGrad(loss);
        var batches = Data.Minibatches(keys[2], trainX, trainY, 128).ToList();
        for (int i = 0; i < steps; i++)
        {
            var (x, y) = batches[i % batches.Count];
            var (_, grads) = valueAndGrad(model, x, y);
            (model, state) = opt.Update(model, grads, state);
        }
        return model;
    }

    private static double Accuracy(float[] logits, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < Classes; c++) if (logits[i * Classes + c] > logits[i * Classes + best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / labels.Length;
    }

    [TestMethod]
    public void TrainSaveLoadExportAndCompareWithOnnxRuntime()
    {
        var (x, y) = LoadDigits();
        var ((trainX, trainY), (testX, testY)) = Data.Split(Prng.PRNGKey(1), x, y, testFraction: 0.2);
        var model = Train(trainX, trainY, steps: 150);
        var logits = model.Apply(testX).ToFloatArray();
        double accuracy = Accuracy(logits, testY.ToInt32Array());
        Assert.IsGreaterThan(0.85, accuracy, $"held-out accuracy {accuracy:P1} after brief training");

        string dir = Path.Combine(Path.GetTempPath(), "tracer-consumer-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string weights = Path.Combine(dir, "digits.safetensors");
        Tree.Save(model, weights);
        var keys = Prng.Split(Prng.PRNGKey(7), 2);
        var fresh = Chain.Of(Dense.Create(keys[0], Pixels, Hidden, Activation.Relu), Dense.Create(keys[1], Hidden, Classes));
        var loaded = Tree.Load(fresh, weights);
        CollectionAssert.AreEqual(logits, loaded.Apply(testX).ToFloatArray(), "the loaded model predicts exactly as the saved one");

        string onnx = Path.Combine(dir, "digits.onnx");
        Onnx.Export((Model m, Tensor input) => m.Apply(input), onnx, loaded, testX);
        using var session = new InferenceSession(onnx);
        var feeds = new List<NamedOnnxValue>();
        var leaves = Tree.Leaves(loaded);
        var names = Tree.Paths(loaded);
        for (int i = 0; i < leaves.Length; i++)
            feeds.Add(NamedOnnxValue.CreateFromTensor("input0." + names[i], new DenseTensor<float>(leaves[i].ToFloatArray(), leaves[i].Shape.ToArray())));
        feeds.Add(NamedOnnxValue.CreateFromTensor("input1", new DenseTensor<float>(testX.ToFloatArray(), testX.Shape.ToArray())));
        using var results = session.Run(feeds);
        var fromOnnx = results[0].AsEnumerable<float>().ToArray();
        Assert.HasCount(logits.Length, fromOnnx);
        for (int i = 0; i < logits.Length; i++)
            Assert.AreEqual(logits[i], fromOnnx[i], 1e-4 * (1 + Math.Abs(logits[i])), $"logit {i}");
        Directory.Delete(dir, recursive: true);
    }
}
