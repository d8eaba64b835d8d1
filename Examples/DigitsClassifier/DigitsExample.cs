using System.Globalization;
using Tracer;
using Tracer.Distributed;
using Tracer.Examples;
using Model = Tracer.Nn.Chain<Tracer.Nn.Dense, Tracer.Nn.Chain<Tracer.Nn.Dropout, Tracer.Nn.Dense>>;

namespace DigitsClassifier;

public static class DigitsExample
{
    /// <summary>Pixels scaled to [0, 1] (<c>[n, 64]</c>, f32) and labels (<c>[n]</c>, i32) from data/digits.csv.</summary>
    public static (Tensor X, Tensor Y) Load(string path)
    {
        var lines = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).ToArray();
        var x = new float[lines.Length * DigitsTraining.Pixels];
        var y = new int[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            for (int j = 0; j < DigitsTraining.Pixels; j++) x[i * DigitsTraining.Pixels + j] = int.Parse(cells[j], CultureInfo.InvariantCulture) / 16f;
            y[i] = int.Parse(cells[DigitsTraining.Pixels], CultureInfo.InvariantCulture);
        }
        return (Tensor.FromArray(x, lines.Length, DigitsTraining.Pixels), Tensor.FromArray(y, lines.Length));
    }

    public static string DataPath => Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");

    public static int Run(string[] args)
    {
        bool fast = args.Contains("--fast");
        string outDir = Ui.Option(args, "--out", ".");
        int epochs = fast ? 4 : 40;

        // --distributed: data-parallel over the ranks of `mpirun -np N`; rank 0 reports, the others stay quiet.
        using var world = args.Contains("--distributed") ? Communicator.World : null;
        var training = new DigitsTraining(DataPath, world is null ? null : new DataParallel(world));
        bool report = world?.IsRoot ?? true;
        int steps = epochs * training.BatchesPerEpoch;
        var title = world is null ? "Digits MLP" : $"Digits MLP, {world.Size} ranks";
        List<double> losses;
        if (report) losses = Ui.Train(title, steps, training.Step);
        else
        {
            losses = new List<double>(steps);
            for (int i = 0; i < steps; i++) losses.Add(training.Step(i));
        }
        // Every rank applied the same averaged updates, so the replicas must still be bit-identical.
        training.Parallel?.CheckReplicasAgree(training.Model);
        if (!report) return 0;

        double trainAccuracy = Accuracy(training.Model, training.TrainX, training.TrainY);
        double testAccuracy = Accuracy(training.Model, training.TestX, training.TestY);
        var png = Ui.PlotLoss(losses, "Digits: cross-entropy per minibatch (AdamW)", Path.Combine(outDir, "digits-loss.png"));
        Console.WriteLine($"{training.TrainX.Shape[0]} training and {training.TestX.Shape[0]} held-out images, {epochs} epochs; plot: {png}");
        if (world is not null) Console.WriteLine($"data-parallel over {world.Size} ranks, global batch {DigitsTraining.BatchSize}; replicas agree");
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
            for (int c = 1; c < DigitsTraining.Classes; c++) if (logits[i * DigitsTraining.Classes + c] > logits[i * DigitsTraining.Classes + best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / labels.Length;
    }
}
