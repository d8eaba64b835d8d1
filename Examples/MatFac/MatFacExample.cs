using Tracer;
using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;
using Tracer.Examples;

namespace MatFac;

/// <summary>The low-rank model: the matrix is approximated by <c>Rows Cols^T</c>.</summary>
public sealed record Factors(Tensor Rows, Tensor Cols);

public static class MatFacExample
{
    private const int M = 120, N = 80, TrueRank = 4, Rank = 4;
    private const double Observed = 0.3, Noise = 0.05, OutlierFraction = 0.03, Delta = 0.5, L2 = 1e-3;

    /// <summary>
    /// Pseudo-Huber loss <c>delta^2 (sqrt(1 + (r/delta)^2) - 1)</c>: quadratic for small residuals, linear for large
    /// ones, so corrupted entries pull less. Its rule says the derivative directly, <c>r / sqrt(1 + (r/delta)^2)</c>,
    /// reusing the square root of the forward pass.
    /// </summary>
    public static readonly Func<Tensor, Tensor> PseudoHuber = Rule.Define("pseudo_huber", r =>
    {
        var s = Sqrt(1.0 + Square(r / Delta));
        return (Delta * Delta * (s - 1.0), dy => dy * r / s);
    });

    public static int Run(string[] args)
    {
        bool fast = args.Contains("--fast");
        string outDir = Ui.Option(args, "--out", ".");
        int steps = fast ? 150 : 600;

        // Ground truth: a rank-4 matrix; we see 30 % of its entries, with noise, and 3 % of those are corrupted.
        var keys = Prng.Split(Prng.PRNGKey(2024), 6);
        var truth = MatMul(Prng.Normal(keys[0], M, TrueRank), Transpose(Prng.Normal(keys[1], N, TrueRank))) / Math.Sqrt(TrueRank);
        var mask = Cast(Less(Prng.Uniform(keys[2], M, N), Observed), DType.Float32);
        var outliers = Cast(Less(Prng.Uniform(keys[3], M, N), OutlierFraction), DType.Float32) * mask;
        var data = truth + Prng.Normal(keys[4], M, N) * Noise + outliers * 8.0 * Sign(Prng.Normal(keys[5], M, N));
        double observedCount = Sum(mask).Item();

        var report = Rule.Check(PseudoHuber, Tensor.FromArray(new double[] { -2, -0.3, 0.1, 1.5 }, 4));
        Console.WriteLine($"Rule.Check(pseudo_huber): {(report.Passed ? "passed" : string.Join("; ", report.Failures))}");

        Func<Factors, Tensor, Tensor, Tensor> loss = (f, y, observed) =>
        {
            var residual = MatMul(f.Rows, Transpose(f.Cols)) - y;
            var fit = Sum(observed * PseudoHuber(residual)) / observedCount;
            return fit + L2 * (Mean(Square(f.Rows)) + Mean(Square(f.Cols)));
        };
        var valueAndGrad = Jit.ValueAndGrad(loss);

        var init = Prng.Split(Prng.PRNGKey(7), 2);
        var model = new Factors(Init.Normal(init[0], 0.3, M, Rank), Init.Normal(init[1], 0.3, N, Rank));
        var opt = new Adam(learningRate: 0.03);
        var state = opt.Init(model);

        var losses = Ui.Train("MatFac", steps, _ =>
        {
            // The scope gives back what the step makes and does not keep (gradients, the optimiser's intermediates);
            // the old model and state are disposed once the new ones exist, so the next step reuses their memory.
            using var scope = new DisposeScope();
            var (value, grads) = valueAndGrad(model, data, mask);
            var (nextModel, nextState) = opt.Update(model, grads, state);
            foreach (var old in Tree.Leaves(model).Concat(Tree.Leaves(state))) old.Dispose();
            (model, state) = (scope.Keep(nextModel), scope.Keep(nextState));
            return value.Item();
        });

        // Error on the entries the model never saw, against the noiseless truth.
        var unseen = 1.0 - mask;
        var error = MatMul(model.Rows, Transpose(model.Cols)) - truth;
        double rmse = Math.Sqrt((Sum(unseen * Square(error)) / Sum(unseen)).Item());
        double scale = Math.Sqrt(Mean(Square(truth)).Item());
        var png = Ui.PlotLoss(losses, "MatFac: pseudo-Huber + L2, Adam", Path.Combine(outDir, "matfac-loss.png"));

        Console.WriteLine($"observed {observedCount} of {M * N} entries, {Sum(outliers).Item()} corrupted");
        Console.WriteLine($"loss {losses[0]:F4} -> {losses[^1]:F4} in {steps} steps; plot: {png}");
        Console.WriteLine($"held-out RMSE {rmse:F4} (entries have RMS {scale:F3}: relative error {rmse / scale:P1})");
        Console.WriteLine($"RESULT heldout_rmse={rmse:R} relative={rmse / scale:R} first_loss={losses[0]:R} last_loss={losses[^1]:R}");
        return 0;
    }
}
