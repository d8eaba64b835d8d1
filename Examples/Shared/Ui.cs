using ScottPlot;
using Spectre.Console;

namespace Tracer.Examples;

/// <summary>The console progress bar and the loss plot, shared by every training example (linked into each project).</summary>
internal static class Ui
{
    /// <summary>Runs <paramref name="step"/> (which returns the loss) <paramref name="steps"/> times under a progress bar.</summary>
    public static List<double> Train(string title, int steps, Func<int, double> step)
    {
        var losses = new List<double>(steps);
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: steps);
                for (int i = 0; i < steps; i++)
                {
                    losses.Add(step(i));
                    if (i % 10 == 0 || i == steps - 1) task.Description = $"{title}  loss {losses[^1]:G4}";
                    task.Increment(1);
                }
            });
        return losses;
    }

    /// <summary>Saves the loss curve (log10 scale) as a PNG and returns its path.</summary>
    public static string PlotLoss(IReadOnlyList<double> losses, string title, string path)
    {
        var plot = new Plot();
        var xs = Enumerable.Range(1, losses.Count).Select(i => (double)i).ToArray();
        var ys = losses.Select(l => Math.Log10(Math.Max(l, 1e-300))).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.MarkerSize = 0;
        line.LineWidth = 2;
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("log10(loss)");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 900, 500);
        return path;
    }

    /// <summary>The value after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
