using System.Globalization;
using System.Text;
using static Tracer.Ops;

namespace Tracer;

/// <summary>The outcome of <see cref="Rule.Check(Func{Tensor, Tensor}, Tensor, Func{Tensor, Tensor}?, double, double, int)"/>: what was checked and what failed.</summary>
public sealed class RuleCheckReport
{
    private readonly List<string> failures = [];
    private readonly List<string> passes = [];

    /// <summary>Whether every check passed.</summary>
    public bool Passed => failures.Count == 0;

    /// <summary>What failed, one readable line each.</summary>
    public IReadOnlyList<string> Failures => failures;

    /// <summary>The number of checks made.</summary>
    public IReadOnlyList<string> Checks => passes;

    internal void Pass(string what) => passes.Add(what);

    internal void Fail(string what) => failures.Add(what);

    /// <summary>Throws with the whole report when a check failed (for use in tests).</summary>
    public void ThrowIfFailed()
    {
        if (!Passed) throw new InvalidOperationException(ToString());
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder(Passed ? "rule check passed" : $"rule check FAILED ({failures.Count})");
        foreach (var f in failures) sb.Append("\n  FAIL ").Append(f);
        foreach (var p in passes) sb.Append("\n  ok   ").Append(p);
        return sb.ToString();
    }
}

/// <summary>Rule.Check: tests a rule the way ChainRulesTestUtils' test_rrule does.</summary>
public static class RuleChecker
{
    /// <summary>
    /// Checks an operation (typically made with <see cref="Rule.Define(string, Func{Tensor, ValueTuple{Tensor, Func{Tensor, Tensor}}})"/>)
    /// at <paramref name="inputs"/>: the primal value (eager against compiled, and against <paramref name="reference"/>
    /// when given), that the pullback gives one cotangent of the right shape per input, and each cotangent, for a
    /// random output cotangent, against central finite differences of the forward computation in float64.
    /// </summary>
    internal static RuleCheckReport Check(Func<Tensor[], Tensor> op, Tensor[] inputs, Func<Tensor[], Tensor>? reference, double rtol, double atol, int seed)
    {
        var report = new RuleCheckReport();
        var xs = Array.ConvertAll(inputs, x => Cast(x, DType.Float64));

        var eager = op(xs);
        var compiled = Jit.Compile((Tensor[] a) => op(a))(xs);
        Compare(report, "primal: compiled vs eager", eager.ToDoubleArray(), compiled.ToDoubleArray(), rtol, atol);
        if (reference is not null)
            Compare(report, "primal: against the reference", reference(xs).ToDoubleArray(), eager.ToDoubleArray(), rtol, atol);

        var rng = new Random(seed);
        var dyData = new double[eager.Shape.Size];
        for (int i = 0; i < dyData.Length; i++) dyData[i] = rng.NextDouble() * 2 - 1;
        var dy = Tensor.FromArray(dyData, eager.Shape.ToArray());
        Func<Tensor[], Tensor> projected = a => Sum(op(a) * dy);

        Tensor[] cotangents;
        try
        {
            cotangents = Jit.Grad(projected)(xs);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            report.Fail($"pullback: {e.Message}");
            return report;
        }
        if (cotangents.Length != xs.Length)
        {
            report.Fail($"pullback arity: {cotangents.Length} cotangents for {xs.Length} inputs");
            return report;
        }
        report.Pass($"pullback arity: {xs.Length} cotangent(s)");

        for (int k = 0; k < xs.Length; k++)
        {
            if (cotangents[k].Shape != xs[k].Shape)
            {
                report.Fail($"input {k}: cotangent shape {cotangents[k].Shape} differs from the input's {xs[k].Shape}");
                continue;
            }
            var numeric = FiniteDifferences(projected, xs, k);
            Compare(report, $"input {k}: cotangent vs finite differences", numeric, cotangents[k].ToDoubleArray(), rtol, atol);
        }
        return report;
    }

    private static double[] FiniteDifferences(Func<Tensor[], Tensor> f, Tensor[] xs, int k)
    {
        const double h = 1e-6;
        var v = xs[k].ToDoubleArray();
        var g = new double[v.Length];
        var args = (Tensor[])xs.Clone();
        for (int i = 0; i < v.Length; i++)
        {
            double keep = v[i];
            v[i] = keep + h;
            args[k] = Tensor.FromArray(v, xs[k].Shape.ToArray());
            double up = f(args).Item();
            v[i] = keep - h;
            args[k] = Tensor.FromArray(v, xs[k].Shape.ToArray());
            double down = f(args).Item();
            v[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    private static void Compare(RuleCheckReport report, string what, double[] expected, double[] actual, double rtol, double atol)
    {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            double allowed = atol + rtol * Math.Abs(expected[i]);
            if ((err > allowed || double.IsNaN(err)) && (at < 0 || err > worst))
            {
                worst = err;
                at = i;
            }
        }
        if (at < 0)
        {
            report.Pass(what);
            return;
        }
        report.Fail(string.Create(CultureInfo.InvariantCulture,
            $"{what}: element {at} is {actual[at]:G6}, expected {expected[at]:G6} (error {worst:E2}, tolerance {atol:E1} + {rtol:E1}·|expected|)"));
    }
}
