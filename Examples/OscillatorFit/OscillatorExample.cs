using Tracer;
using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;
using Tracer.Examples;

namespace OscillatorFit;

/// <summary>The unknowns: natural angular frequency (rad/s) and damping ratio of <c>x'' = -omega^2 x - 2 zeta omega x'</c>.</summary>
public sealed record Oscillator(Tensor Omega, Tensor Zeta);

public static class OscillatorExample
{
    public const double TrueOmega = 2.0, TrueZeta = 0.15;
    private const int Steps = 400;
    private const double Dt = 0.02, NoiseStd = 0.02;

    /// <summary>
    /// Positions after each of <see cref="Steps"/> semi-implicit Euler steps from x = 1, v = 0. The loop is one
    /// <see cref="Ops.Scan{C, X, Y}"/> node, so the gradient w.r.t. the parameters flows back through all 400 steps
    /// without unrolling them into the graph.
    /// </summary>
    public static Tensor Simulate(Oscillator p, Tensor times)
    {
        var start = (X: Tensor.Scalar(1.0), V: Tensor.Scalar(0.0));
        var (_, positions) = Scan<(Tensor X, Tensor V), Tensor, Tensor>((s, _) =>
        {
            var acceleration = -Square(p.Omega) * s.X - 2.0 * p.Zeta * p.Omega * s.V;
            var v = s.V + Dt * acceleration;
            var x = s.X + Dt * v;
            return ((x, v), x);
        }, start, times);
        return positions;
    }

    public static int Run(string[] args)
    {
        bool fast = args.Contains("--fast");
        string outDir = Ui.Option(args, "--out", ".");
        int iterations = fast ? 120 : 400;

        var times = Tensor.FromArray(Enumerable.Range(1, Steps).Select(i => i * Dt).ToArray(), Steps);
        var truth = new Oscillator(Tensor.Scalar(TrueOmega), Tensor.Scalar(TrueZeta));
        var observed = Simulate(truth, times) + Prng.Normal(Prng.PRNGKey(11), DType.Float64, 0, NoiseStd, Steps);

        Func<Oscillator, Tensor, Tensor, Tensor> loss = (p, t, y) => Losses.MeanSquaredError(Simulate(p, t), y);
        var valueAndGrad = Jit.ValueAndGrad(loss);

        var model = new Oscillator(Tensor.Scalar(1.6), Tensor.Scalar(0.4));   // the initial guess
        var opt = new Adam(learningRate: 0.02);
        var state = opt.Init(model);
        var losses = Ui.Train("Oscillator fit", iterations, _ =>
        {
            var (value, grads) = valueAndGrad(model, times, observed);
            (model, state) = opt.Update(model, grads, state);
            return value.Item();
        });

        double omega = model.Omega.Item(), zeta = model.Zeta.Item();
        var png = Ui.PlotLoss(losses, "Oscillator: MSE of the simulated trajectory", Path.Combine(outDir, "oscillator-loss.png"));
        Console.WriteLine($"loss {losses[0]:F5} -> {losses[^1]:F6} in {iterations} steps (noise variance {NoiseStd * NoiseStd:F6}); plot: {png}");
        Console.WriteLine($"omega {omega:F4} (true {TrueOmega}), zeta {zeta:F4} (true {TrueZeta})");
        Console.WriteLine($"RESULT omega={omega:R} zeta={zeta:R} first_loss={losses[0]:R} last_loss={losses[^1]:R}");
        return 0;
    }
}
