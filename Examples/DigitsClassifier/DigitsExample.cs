using System.Globalization;
using Tracer;
using Tracer.Nn;
using Tracer.Training;
using Model = Tracer.Nn.Chain<Tracer.Nn.Dense, Tracer.Nn.Chain<Tracer.Nn.Dropout, Tracer.Nn.Dense>>;
using Tracer.Examples;

namespace DigitsClassifier;

public static class DigitsExample
{
    private const int Pixels = 64, Classes = 10, Hidden = 64, BatchSize = 64;

    /// <summary>Pixels scaled to [0, 1] (<c>[n, 64]</c>, f32) and labels (<c>[n]</c>, i32) from data/digits.csv.</summary>
    public static (Tensor X, Tensor Y) Load(string path)
    {
        var lines = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).ToArray();
        var x = new float[lines.Length * Pixels];
        var y = new int[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            for (int j = 0; j < Pixels; j++) x[i * Pixels + j] = int.Parse(cells[j], CultureInfo.InvariantCulture) / 16f;
            y[i] = int.Parse(cells[Pixels], CultureInfo.InvariantCulture);
        }
        return (Tensor.FromArray(x, lines.Length, Pixels), Tensor.FromArray(y, lines.Length));
    }

    public static int Run(string[] args)
    {
        bool fast = args.Contains("--fast");
        string outDir = Ui.Option(args, "--out", ".");
        int epochs = fast ? 4 : 40;

        var (x, y) = Load(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"));
        var keys = Prng.Split(Prng.PRNGKey(1998), 4);
        var ((trainX, trainY), (testX, testY)) = Data.Split(keys[0], x, y, testFraction: 0.2);

        // begin-snippet: digits-model
        // 64 -> 64 (ReLU) -> dropout 0.2 -> 10 logits. The dropout layer has no parameters, only its static rate.
        var model = Chain.Of(Dense.Create(keys[1], Pixels, Hidden, Activation.Relu), new Dropout(0.2), Dense.Create(keys[2], Hidden, Classes));
        var opt = new AdamW(learningRate: 3e-3, weightDecay: 1e-3);

        // One compiled training step: forward, backward and the optimiser update in a single graph. The dropout
        // mask comes in as data, drawn from an explicit key, so the step is traced once and never retraced.
        Func<Model, Tensor, Tensor, Tensor, Tensor> loss = (m, xb, yb, mask) =>
            Losses.CrossEntropy(m.Second.Second.Apply(m.Second.First.Apply(m.First.Apply(xb), mask)), yb);
        var valueAndGrad = Jit.ValueAndGrad(loss);
        var trainStep = Jit.Compile((Model m, OptimiserState<Model> s, (Tensor X, Tensor Y) batch, Tensor mask) =>
        {
            var (value, grads) = valueAndGrad(m, batch.X, batch.Y, mask);
            var (next, nextState) = opt.Update(m, grads, s);
            return (next, nextState, value);
        });
        // end-snippet

        var state = opt.Init(model);
        int batchesPerEpoch = trainX.Shape[0] / BatchSize;
        var batches = new List<(Tensor X, Tensor Y)>();
        var losses = Ui.Train("Digits MLP", epochs * batchesPerEpoch, i =>
        {
            int epoch = i / batchesPerEpoch;
            if (i % batchesPerEpoch == 0) batches = Data.Minibatches(Prng.FoldIn(keys[3], (uint)epoch), trainX, trainY, BatchSize).ToList();
            var mask = model.Second.First.Mask(Prng.FoldIn(Prng.FoldIn(keys[3], 1_000_000 + (uint)epoch), (uint)i), DType.Float32, BatchSize, Hidden);
            (model, state, var value) = trainStep(model, state, batches[i % batchesPerEpoch], mask);
            return value.Item();
        });

        double trainAccuracy = Accuracy(model, trainX, trainY), testAccuracy = Accuracy(model, testX, testY);
        var png = Ui.PlotLoss(losses, "Digits: cross-entropy per minibatch (AdamW)", Path.Combine(outDir, "digits-loss.png"));
        Console.WriteLine($"{trainX.Shape[0]} training and {testX.Shape[0]} held-out images, {epochs} epochs; plot: {png}");
        Console.WriteLine($"training accuracy {trainAccuracy:P2}, held-out accuracy {testAccuracy:P2}");
        Console.WriteLine($"RESULT test_accuracy={testAccuracy:R} train_accuracy={trainAccuracy:R} first_loss={losses[0]:R} last_loss={losses[^1]:R}");
        return 0;
    }

    /// <summary>The fraction of rows whose largest logit is the label (dropout off: the identity at test time).</summary>
    public static double Accuracy(Model model, Tensor x, Tensor y)
    {
        var logits = model.Apply(x).ToFloatArray();
        var labels = y.ToInt32Array();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < Classes; c++) if (logits[i * Classes + c] > logits[i * Classes + best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / labels.Length;
    }
}
