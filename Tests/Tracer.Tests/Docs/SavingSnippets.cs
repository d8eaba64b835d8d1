using Tracer.Nn;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Docs;

using Dense = Tracer.Nn.Dense;   // Tracer.Tests has a Dense of its own

// begin-snippet: saving-model-type
public sealed record Classifier(List<Dense> Layers, string Name)
{
    public Tensor Apply(Tensor x)
    {
        foreach (var layer in Layers) x = layer.Apply(x);
        return x;
    }

    public static Classifier Create(PRNGKey key)
    {
        var keys = Prng.Split(key, 2);
        return new([Dense.Create(keys[0], 4, 8, Activation.Relu), Dense.Create(keys[1], 8, 3)], "iris");
    }
}
// end-snippet

/// <summary>The code of docs/saving-and-exporting.md, run as tests.</summary>
[TestClass]
public class SavingSnippets
{
    private static string Dir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracer-saving-docs");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [TestMethod]
    public void SaveAndLoad()
    {
        // The snippet writes to the working directory (the test's output folder); the file is removed at the end.
        // begin-snippet: save-load
        var model = Classifier.Create(Prng.PRNGKey(0));
        Console.WriteLine(string.Join(", ", Tree.Paths(model)));
        // prints Layers.0.Weight, Layers.0.Bias, Layers.1.Weight, Layers.1.Bias

        Tree.Save(model, "model.safetensors", new Dictionary<string, string> { ["epochs"] = "20" });

        // Later, or in another program: build a model of the same structure and fill it from the file.
        var template = Classifier.Create(Prng.PRNGKey(123));    // its values are replaced
        var loaded = Tree.Load(template, "model.safetensors");  // shapes and dtypes checked per name
        // end-snippet
        CollectionAssert.AreEqual(new[] { "Layers.0.Weight", "Layers.0.Bias", "Layers.1.Weight", "Layers.1.Bias" }, Tree.Paths(model));
        CollectionAssert.AreEqual(model.Layers[1].Weight.ToFloatArray(), loaded.Layers[1].Weight.ToFloatArray());

        // begin-snippet: load-mismatch
        var wider = new Classifier([Dense.Create(Prng.PRNGKey(1), 4, 16), Dense.Create(Prng.PRNGKey(2), 16, 3)], "iris");
        try
        {
            Tree.Load(wider, "model.safetensors");
        }
        catch (InvalidDataException e)
        {
            Console.WriteLine(e.Message);
            // prints Tree.Load: 'model.safetensors' holds 'Layers.0.Weight' as f32[4,8] but the template's leaf is f32[4,16]; ...
        }
        // end-snippet
        var error = Assert.ThrowsExactly<InvalidDataException>(() => Tree.Load(wider, "model.safetensors"));
        StringAssert.Contains(error.Message, "holds 'Layers.0.Weight' as f32[4,8] but the template's leaf is f32[4,16]");
        File.Delete("model.safetensors");

        // The optimiser state is a tree too, so it saves and loads the same way.
        var opt = new Tracer.Training.Adam();
        var state = opt.Init(model);
        string statePath = Path.Combine(Dir(), "adam.safetensors");
        Tree.Save(state, statePath);
        var back = Tree.Load(opt.Init(wider with { Layers = model.Layers }), statePath);
        CollectionAssert.AreEqual(state.Slots[0].Layers[0].Weight.ToFloatArray(), back.Slots[0].Layers[0].Weight.ToFloatArray());
    }

    [TestMethod]
    public void ExportToOnnx()
    {
        string dir = Dir();
        var model = Classifier.Create(Prng.PRNGKey(0));
        // begin-snippet: onnx-export
        string path = Path.Combine(dir, "classifier.onnx");
        // The weights the function closes over are stored in the file; x is the model's one input, named "input".
        var example = Tensor.Zeros(DType.Float32, 32, 4);            // fixes the input shape: a batch of 32
        Tracer.Onnx.Export((Tensor x) => Softmax(model.Apply(x), -1), path, example);

        // With the model as an argument, its leaves are inputs too, named "input0.Layers.0.Weight", ...
        Tracer.Onnx.Export((Classifier m, Tensor x) => m.Apply(x), Path.ChangeExtension(path, ".params.onnx"), model, example);
        // end-snippet
        var x = Prng.Normal(Prng.PRNGKey(4), 32, 4);
        AssertClose(Softmax(model.Apply(x), -1), Run(path, ("input", x))[0], 1e-5, "probabilities");
        float[] features = x.ToFloatArray();
        // begin-snippet: onnx-runtime-run
        // using Microsoft.ML.OnnxRuntime; using Microsoft.ML.OnnxRuntime.Tensors;
        using var session = new InferenceSession(path);
        var input = NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(features, [32, 4]));
        using var results = session.Run([input]);
        float[] probabilities = results[0].AsEnumerable<float>().ToArray();
        // end-snippet
        CollectionAssert.AreEqual(probabilities, Array.ConvertAll(Run(path, ("input", x))[0].Values, v => (float)v));
    }
}
