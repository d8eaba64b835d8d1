using ScottPlot;
using Tracer;
using Tracer.Examples;
using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;

namespace GaussianProcess;

/// <summary>
/// Hyperparameters of a squared-exponential kernel k(s, t) = σf² exp(-(s - t)² / (2 ℓ²)) plus observation noise σn²,
/// kept as logarithms so gradient steps keep them positive.
/// </summary>
public sealed record Kernel(Tensor LogLengthScale, Tensor LogSignalVariance, Tensor LogNoiseVariance);

public static class GaussianProcessExample
{
    // The physical model: a damped oscillator released from x = 1 at rest, x'' = -ω² x - 2ζω x', whose position is
    // x(t) = e^(-ζωt) (cos(ωd t) + ζω/ωd sin(ωd t)) with ωd = ω sqrt(1 - ζ²). Measured at 40 random times in [0, 10] s
    // with Gaussian noise of standard deviation 0.05.
    public const double Omega = 2.0, Zeta = 0.15, NoiseStd = 0.05;
    private const int Points = 40;

    public static double Position(double t)
    {
        double wd = Omega * Math.Sqrt(1 - Zeta * Zeta);
        return Math.Exp(-Zeta * Omega * t) * (Math.Cos(wd * t) + Zeta * Omega / wd * Math.Sin(wd * t));
    }

    /// <summary>The kernel matrix between two sets of times (vectors [n] and [m] -> [n, m]).</summary>
    public static Tensor Covariance(Kernel k, Tensor s, Tensor t)
    {
        var d = Reshape(s, s.Shape[0], 1) - Reshape(t, 1, t.Shape[0]);
        return Exp(k.LogSignalVariance - 0.5 * d * d * Exp(-2.0 * k.LogLengthScale));
    }

    private static Tensor Eye(int n)
    {
        var e = new double[n * n];
        for (int i = 0; i < n; i++) e[i * n + i] = 1;
        return Tensor.FromArray(e, n, n);
    }

    /// <summary>
    /// Negative log marginal likelihood per point: (y^T K^-1 y / 2 + log det K / 2 + n log(2π) / 2) / n with
    /// K = L L^T; y^T K^-1 y = |L^-1 y|² and log det K / 2 = Σ log diag(L).
    /// </summary>
    public static Tensor NegLogLikelihood(Kernel k, Tensor t, Tensor y)
    {
        int n = t.Shape[0];
        var eye = Eye(n);
        var l = Linalg.Cholesky(Covariance(k, t, t) + eye * Exp(k.LogNoiseVariance));
        var z = Linalg.TriangularSolve(l, y);
        return (0.5 * Sum(z * z) + Sum(Log(Sum(l * eye, 1))) + 0.5 * n * Math.Log(2 * Math.PI)) / n;
    }

    /// <summary>Posterior mean and standard deviation of the noise-free function at <paramref name="grid"/>.</summary>
    public static (Tensor Mean, Tensor Std) Posterior(Kernel k, Tensor t, Tensor y, Tensor grid)
    {
        int n = t.Shape[0];
        var l = Linalg.Cholesky(Covariance(k, t, t) + Eye(n) * Exp(k.LogNoiseVariance));
        var cross = Covariance(k, t, grid);                              // [n, m]
        var alpha = Linalg.TriangularSolve(l, Linalg.TriangularSolve(l, y), transposeA: true);   // K^-1 y
        var v = Linalg.TriangularSolve(l, cross);                        // L^-1 K*
        var mean = MatMul(Transpose(cross), alpha);
        var variance = Exp(k.LogSignalVariance) - Sum(v * v, 0);
        return (mean, Sqrt(Maximum(variance, 0.0)));
    }

    public static int Run(string[] args)
    {
        bool fast = args.Contains("--fast");
        string outDir = Ui.Option(args, "--out", ".");
        int iterations = fast ? 80 : 300;

        var rng = new Random(7);
        var times = Enumerable.Range(0, Points).Select(_ => 10 * rng.NextDouble()).Order().ToArray();
        var t = Tensor.FromArray(times, Points);
        var noise = Prng.Normal(Prng.PRNGKey(3), DType.Float64, 0, NoiseStd, Points);
        var y = Tensor.FromArray(times.Select(Position).ToArray(), Points) + noise;

        var valueAndGrad = Jit.ValueAndGrad<Kernel, Tensor, Tensor>(NegLogLikelihood);
        var kernel = new Kernel(Tensor.Scalar(Math.Log(3.0)), Tensor.Scalar(0.0), Tensor.Scalar(Math.Log(0.1)));   // initial guess
        var opt = new Adam(learningRate: 0.05);
        var state = opt.Init(kernel);
        var losses = Ui.Train("GP marginal likelihood", iterations, _ =>
        {
            var (value, grads) = valueAndGrad(kernel, t, y);
            (kernel, state) = opt.Update(kernel, grads, state);
            return value.Item();
        });

        var grid = Tensor.FromArray(Enumerable.Range(0, 200).Select(i => i * 10.0 / 199).ToArray(), 200);
        var (mean, std) = Jit.Compile<Kernel, Tensor, Tensor, Tensor, (Tensor, Tensor)>(Posterior)(kernel, t, y, grid);
        var gx = grid.ToDoubleArray();
        var truth = gx.Select(Position).ToArray();
        var m = mean.ToDoubleArray();
        var s = std.ToDoubleArray();
        double rmse = Math.Sqrt(m.Zip(truth, (a, b) => (a - b) * (a - b)).Average());

        double lengthScale = Math.Exp(kernel.LogLengthScale.Item());
        double signal = Math.Sqrt(Math.Exp(kernel.LogSignalVariance.Item()));
        double noiseStd = Math.Sqrt(Math.Exp(kernel.LogNoiseVariance.Item()));
        var png = Plot(gx, truth, m, s, times, y.ToDoubleArray(), Path.Combine(outDir, "gaussian-process.png"));
        Console.WriteLine($"negative log likelihood per point {losses[0]:F4} -> {losses[^1]:F4} in {iterations} Adam steps; plot: {png}");
        Console.WriteLine($"length scale {lengthScale:F3} s, signal std {signal:F3}, noise std {noiseStd:F4} (true noise {NoiseStd})");
        Console.WriteLine($"posterior mean vs the noise-free oscillator: RMS error {rmse:F4}");
        Console.WriteLine($"RESULT length_scale={lengthScale:R} noise_std={noiseStd:R} rmse={rmse:R} first_loss={losses[0]:R} last_loss={losses[^1]:R}");
        return 0;
    }

    private static string Plot(double[] grid, double[] truth, double[] mean, double[] std, double[] times, double[] y, string path)
    {
        var plot = new Plot();
        var band = plot.Add.FillY(grid, mean.Zip(std, (a, b) => a - 2 * b).ToArray(), mean.Zip(std, (a, b) => a + 2 * b).ToArray());
        band.LegendText = "posterior mean ± 2 std";
        band.FillStyle.Color = Colors.SteelBlue.WithAlpha(0.25);
        band.LineStyle.Width = 0;
        var m = plot.Add.ScatterLine(grid, mean);
        m.LineWidth = 2;
        m.LegendText = "posterior mean";
        var tr = plot.Add.ScatterLine(grid, truth);
        tr.LinePattern = LinePattern.Dashed;
        tr.LineWidth = 2;
        tr.Color = Colors.Black;
        tr.LegendText = "oscillator (noise-free)";
        var pts = plot.Add.ScatterPoints(times, y);
        pts.LegendText = "measurements";
        plot.Title("Gaussian process fit of a damped oscillator");
        plot.XLabel("time (s)");
        plot.YLabel("position");
        plot.ShowLegend();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 900, 500);
        return path;
    }
}
