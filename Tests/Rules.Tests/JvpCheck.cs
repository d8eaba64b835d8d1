using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>
/// Checks JVP rules against central finite differences in float64 over the gradient-check table: the tangent in
/// a random direction, with every input or only one of them carrying a tangent (so the rules' symbolic-zero paths
/// run too), and composed with reverse mode both ways.
/// </summary>
internal static class JvpCheck
{
    private static readonly RuleTable Rules = RuleTable.Default;

    /// <summary>The graph x -> op(x) of a case, over float64 inputs.</summary>
    public static Graph Forward(GradCase c, int extraInputs = 0)
    {
        var b = new GraphBuilder(Rules, null);
        using (b.Activate())
        {
            var xs = Inputs(b, c);
            for (int k = 0; k < extraInputs; k++) b.Input(xs[k].Type);
            return b.Build([c.Build(xs)]);
        }
    }

    /// <summary>
    /// (x, t_seeded...) -> (f(x), tangent of f): a replay of <paramref name="f"/> with a forward sweep where only
    /// the inputs in <paramref name="seeded"/> carry a tangent.
    /// </summary>
    public static Graph PartialJvp(Graph f, bool[] seeded)
    {
        var b = new GraphBuilder(Rules, null);
        using var scope = b.Activate();
        var map = Replay.MapInputs(f, b);
        var tangents = new Node?[f.IdCount];
        for (int k = 0; k < seeded.Length; k++)
        {
            if (seeded[k]) tangents[f.Inputs[k].Id] = b.Input(f.Inputs[k].Type);
        }
        ForwardMode.Sweep(f, map, tangents);
        var y = f.Outputs[0];
        return b.Build([map[y.Id], tangents[y.Id] ?? Ir.ZerosLike(map[y.Id])]);
    }

    /// <summary>The full JVP through the transform (f ignores its tangent inputs), then each input alone.</summary>
    public static void FirstOrder(GradCase c)
    {
        var rng = new Random(GradientCheck.StableSeed(c.Name) + 1);
        var x = GradientCheck.DrawInputs(c, rng);
        var t = Directions(c, rng);
        var f = Forward(c);

        var jvp = ForwardMode.Jvp(Forward(c, c.Shapes.Length), c.Shapes.Length);
        Verifier.Verify(jvp);
        Compare(c, f, jvp, x, t, "all inputs");

        if (c.Shapes.Length == 1) return;
        for (int k = 0; k < c.Shapes.Length; k++)
        {
            var seeded = new bool[c.Shapes.Length];
            seeded[k] = true;
            var partial = PartialJvp(f, seeded);
            Verifier.Verify(partial);
            var only = new double[t.Length][];
            for (int j = 0; j < t.Length; j++) only[j] = j == k ? t[j] : new double[t[j].Length];
            Compare(c, f, partial, x, only, $"input {k} only", [t[k]]);
        }
    }

    /// <summary>Reverse over forward: the gradient of sum(jvp(x, t) * W) w.r.t. x and t.</summary>
    public static void ReverseOverForward(GradCase c)
    {
        var rng = new Random(GradientCheck.StableSeed(c.Name) + 2);
        var x = GradientCheck.DrawInputs(c, rng);
        var t = Directions(c, rng);
        var jvp = ForwardMode.Jvp(Forward(c, c.Shapes.Length), c.Shapes.Length);
        var b = new GraphBuilder(Rules, null);
        Graph loss;
        using (b.Activate())
        {
            var xs = new Node[2 * c.Shapes.Length];
            for (int k = 0; k < xs.Length; k++) xs[k] = b.Input(jvp.Inputs[k].Type);
            var ty = Replay.Inline(jvp, xs)[1];
            var w = b.Constant(GradientCheck.Random(rng, ty.Shape.Size), ty.Shape);
            loss = b.Build([GradientCheck.SumAll(ty * w)]);
        }
        GradientCheck.CompareWithFiniteDifferences(c, loss, [.. x, .. t], "reverse over forward");
    }

    /// <summary>Forward over reverse: the JVP of the gradient (a Hessian-vector product) against differences of the gradient.</summary>
    public static void ForwardOverReverse(GradCase c)
    {
        var rng = new Random(GradientCheck.StableSeed(c.Name) + 3);
        var x = GradientCheck.DrawInputs(c, rng);
        var t = Directions(c, rng);
        int n = c.Shapes.Length;
        var grad = ReverseMode.ValueAndGrad(GradientCheck.BuildLoss(c, rng), Enumerable.Range(0, n).ToArray()).WithOutputs(1, n);
        var b = new GraphBuilder(Rules, null);
        Graph g;
        using (b.Activate())
        {
            var xs = new Node[2 * n];
            for (int k = 0; k < xs.Length; k++) xs[k] = b.Input(grad.Inputs[k % n].Type);
            g = b.Build(Replay.Inline(grad, xs[..n]));
        }
        var hvp = ForwardMode.Jvp(g, n);
        Verifier.Verify(hvp);
        var outs = Interpreter.Run(Rules, hvp, [.. x, .. t]);
        for (int k = 0; k < n; k++)
        {
            var numeric = Difference(c, grad, x, t, k);
            AssertClose(c, numeric, (double[])outs[n + k], $"forward over reverse, gradient {k}", hvp);
        }
    }

    private static void Compare(GradCase c, Graph f, Graph jvp, double[][] x, double[][] t, string label, double[][]? fed = null)
    {
        var outs = Interpreter.Run(Rules, jvp, [.. x, .. fed ?? t]);
        var value = (double[])Interpreter.Run(Rules, f, x)[0];
        AssertClose(c, value, (double[])outs[0], label + ": value", jvp, 1e-12);
        AssertClose(c, Difference(c, f, x, t, 0), (double[])outs[1], label + ": tangent", jvp);
    }

    /// <summary>(g(x + h t) - g(x - h t)) / 2h for output <paramref name="output"/> of <paramref name="g"/>.</summary>
    private static double[] Difference(GradCase c, Graph g, double[][] x, double[][] t, int output)
    {
        double h = c.Step;
        double[][] Shifted(double s) => x.Select((xk, k) => xk.Select((v, j) => v + s * t[k][j]).ToArray()).ToArray();
        var up = (double[])Interpreter.Run(Rules, g, Shifted(h))[output];
        var down = (double[])Interpreter.Run(Rules, g, Shifted(-h))[output];
        return up.Select((u, i) => (u - down[i]) / (2 * h)).ToArray();
    }

    private static void AssertClose(GradCase c, double[] expected, double[] actual, string label, Graph g, double? tolerance = null)
    {
        Assert.HasCount(expected.Length, actual, $"{c.Name} ({label}): length");
        double tol = tolerance ?? c.Tolerance;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.IsTrue(error <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"{c.Name} ({label}): element {i}: JVP {actual[i]:R} vs finite difference {expected[i]:R}\n{g}");
        }
    }

    private static Node[] Inputs(GraphBuilder b, GradCase c) =>
        Array.ConvertAll(c.Shapes, s => b.Input(new TensorType(new Shape(s), DType.Float64)));

    private static double[][] Directions(GradCase c, Random rng) =>
        Array.ConvertAll(c.Shapes, s => GradientCheck.Random(rng, new Shape(s).Size));
}
