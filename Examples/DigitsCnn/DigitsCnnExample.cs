using System.Globalization;
using Tracer;
using Tracer.Examples;
using Tracer.Nn;
using Tracer.Training;

namespace DigitsCnn;

public static class DigitsCnnExample
{
    public const int Pixels = 64, Classes = 10, BatchSize = 64;

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
        int epochs = fast ? 4 : 30;

        var (x, y) = Load(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"));
        // The same key and split as Examples/DigitsClassifier, so the held-out images are the same.
        var keys = Prng.Split(Prng.PRNGKey(1998), 4);
        var ((trainX, trainY), (testX, testY)) = Data.Split(keys[0], x, y, testFraction: 0.2);

        // begin-snippet: digits-cnn-step
        var model = CnnModel.Create(keys[1], dropout: 0.3);
        var opt = new AdamW(learningRate: 3e-3, weightDecay: 1e-3);
        var state = opt.Init(model);

        // Forward, backward and the AdamW update in one compiled graph; the dropout mask comes in as data. The step
        // consumes the old model, optimiser state and mask (donate): the next step's outputs reuse their memory.
        var valueAndGrad = Jit.ValueAndGrad((CnnModel m, Tensor xb, Tensor yb, Tensor mask) => Losses.CrossEntropy(m.Logits(xb, mask), yb));
        var step = Jit.Compile((CnnModel m, OptimiserState<CnnModel> s, (Tensor X, Tensor Y) batch, Tensor mask) =>
        {
            var (loss, grads) = valueAndGrad(m, batch.X, batch.Y, mask);
            var (next, nextState) = opt.Update(m, grads, s);
            return (next, nextState, loss);
        }, donate: [0, 1, 3]);

        int perEpoch = trainX.Shape[0] / BatchSize;
        List<(Tensor X, Tensor Y)> batches = [];
        var losses = Ui.Train("Digits CNN", epochs * perEpoch, i =>
        {
            int epoch = i / perEpoch;
            if (i % perEpoch == 0) batches = Data.Minibatches(Prng.FoldIn(keys[2], (uint)epoch), trainX, trainY, BatchSize).ToList();
            var mask = model.Dropout.Mask(Prng.FoldIn(keys[3], (uint)i), DType.Float32, BatchSize, 64);
            (model, state, var loss) = step(model, state, batches[i % perEpoch], mask);
            return loss.Item();
        });
        // end-snippet

        double trainAccuracy = Accuracy(model, trainX, trainY);
        double testAccuracy = Accuracy(model, testX, testY);
        var png = Ui.PlotLoss(losses, "Digits CNN: cross-entropy per minibatch (AdamW)", Path.Combine(outDir, "digits-cnn-loss.png"));
        Console.WriteLine($"{trainX.Shape[0]} training and {testX.Shape[0]} held-out images, {epochs} epochs; plot: {png}");
        Console.WriteLine($"training accuracy {trainAccuracy:P2}, held-out accuracy {testAccuracy:P2}");
        Console.WriteLine($"RESULT test_accuracy={testAccuracy:R} train_accuracy={trainAccuracy:R} first_loss={losses[0]:R} last_loss={losses[^1]:R}");
        return 0;
    }

    /// <summary>The fraction of rows whose largest logit is the label (test mode: no dropout), in one compiled call.</summary>
    public static double Accuracy(CnnModel model, Tensor x, Tensor y)
    {
        var logits = Jit.Compile((CnnModel m, Tensor xs) => m.Logits(xs))(model, x).ToFloatArray();
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
