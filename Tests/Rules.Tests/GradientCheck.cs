using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>
/// One gradient-check case: float64 inputs of the given shapes, drawn from the op's domain, fed to
/// <see cref="Build"/>, which applies the primitive under test (indices and masks are constants it creates).
/// </summary>
internal sealed record GradCase(string Name, OpCode Op, int[][] Shapes, Func<Node[], Node> Build)
{
    /// <summary>Draws one element of input k (the second argument); default uniform in [-1, 1).</summary>
    public Func<Random, int, double> Sample { get; init; } = (r, _) => 2 * r.NextDouble() - 1;

    /// <summary>Rejects draws too close to a kink or tie (retried with the next random numbers).</summary>
    public Func<double[][], bool> Accept { get; init; } = _ => true;

    /// <summary>Finite-difference step; larger only for ops whose values are rounded (casts through f32).</summary>
    public double Step { get; init; } = 1e-6;

    public double Tolerance { get; init; } = 1e-5;

    public override string ToString() => Name;
}

/// <summary>
/// Checks reverse-mode gradients against central finite differences in float64, to first and second order.
/// The scalar checked is loss(x) = sum(y * W + y * y / 2) with y = op(x) and fixed random weights W: the
/// quadratic term makes the cotangent reaching op depend on x, so the second-order check also differentiates
/// op's pullback itself.
/// </summary>
internal static class GradientCheck
{

    public static void FirstOrder(GradCase c)
    {
        var rng = new Random(StableSeed(c.Name));
        var inputs = DrawInputs(c, rng);
        var loss = BuildLoss(c, rng);
        CompareWithFiniteDifferences(c, loss, inputs, "first order");
    }

    public static void SecondOrder(GradCase c)
    {
        var rng = new Random(StableSeed(c.Name));
        var inputs = DrawInputs(c, rng);
        var loss = BuildLoss(c, rng);
        var wrt = AllInputs(c);
        var grad = ReverseMode.ValueAndGrad(loss, wrt);
        Verifier.Verify(grad);

        // loss2(x) = sum_k <grad_k(x), V_k>: its gradient is the Hessian applied to V.
        var b = new GraphBuilder(RuleTable.Default, null);
        Graph loss2;
        using (b.Activate())
        {
            var xs = new Node[c.Shapes.Length];
            for (int k = 0; k < xs.Length; k++) xs[k] = b.Input(new TensorType(new Shape(c.Shapes[k]), DType.Float64));
            var outs = Replay.Inline(grad, xs);
            Node? total = null;
            for (int k = 0; k < xs.Length; k++)
            {
                var term = SumAll(outs[1 + k] * b.Constant(Random(rng, xs[k].Shape.Size), xs[k].Shape));
                total = total is null ? term : total + term;
            }
            loss2 = b.Build([total!]);
        }
        CompareWithFiniteDifferences(c, loss2, inputs, "second order");
    }

    /// <summary>The graph x -> sum(op(x) * W + op(x)^2 / 2) over float64 inputs.</summary>
    public static Graph BuildLoss(GradCase c, Random rng)
    {
        var b = new GraphBuilder(RuleTable.Default, null);
        using (b.Activate())
        {
            var xs = new Node[c.Shapes.Length];
            for (int k = 0; k < xs.Length; k++) xs[k] = b.Input(new TensorType(new Shape(c.Shapes[k]), DType.Float64));
            var y = c.Build(xs);
            Assert.AreEqual(DType.Float64, y.DType, $"{c.Name}: the case must produce f64");
            Assert.IsTrue(ContainsOp(y, c.Op), $"{c.Name}: the traced case does not use {c.Op.Name()}");
            var w = b.Constant(Random(rng, y.Shape.Size), y.Shape);
            return b.Build([SumAll(y * w + y * y * 0.5)]);
        }
    }

    /// <summary>Reverse-mode gradients of the scalar <paramref name="loss"/> w.r.t. all its inputs against central differences.</summary>
    public static void CompareWithFiniteDifferences(GradCase c, Graph loss, double[][] inputs, string order)
    {
        var wrt = Enumerable.Range(0, loss.Inputs.Count).ToArray();
        var vg = ReverseMode.ValueAndGrad(loss, wrt);
        Verifier.Verify(vg);
        var outs = Interpreter.Run(RuleTable.Default, vg, Array.ConvertAll(inputs, x => (Array)x));
        double Eval(double[][] xs) => ((double[])Interpreter.Run(RuleTable.Default, loss, Array.ConvertAll(xs, x => (Array)x))[0])[0];

        Assert.AreEqual(Eval(inputs), ((double[])outs[0])[0], 1e-12, $"{c.Name} ({order}): value");
        for (int k = 0; k < inputs.Length; k++)
        {
            var analytic = (double[])outs[1 + k];
            Assert.HasCount(inputs[k].Length, analytic, $"{c.Name} ({order}): gradient length of input {k}");
            for (int j = 0; j < inputs[k].Length; j++)
            {
                double saved = inputs[k][j];
                inputs[k][j] = saved + c.Step;
                double up = Eval(inputs);
                inputs[k][j] = saved - c.Step;
                double down = Eval(inputs);
                inputs[k][j] = saved;
                double numeric = (up - down) / (2 * c.Step);
                double error = Math.Abs(analytic[j] - numeric);
                Assert.IsTrue(error <= c.Tolerance * Math.Max(1, Math.Abs(numeric)),
                    $"{c.Name} ({order}): d/dx{k}[{j}] analytic {analytic[j]:R} vs finite difference {numeric:R}\n{vg}");
            }
        }
    }

    public static double[][] DrawInputs(GradCase c, Random rng)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var xs = new double[c.Shapes.Length][];
            for (int k = 0; k < xs.Length; k++)
            {
                xs[k] = new double[new Shape(c.Shapes[k]).Size];
                for (int j = 0; j < xs[k].Length; j++) xs[k][j] = c.Sample(rng, k);
            }
            if (c.Accept(xs)) return xs;
        }
        throw new AssertFailedException($"{c.Name}: no acceptable random inputs in 1000 draws");
    }

    public static Node SumAll(Node x)
    {
        var axes = new int[x.Shape.Rank];
        for (int i = 0; i < axes.Length; i++) axes[i] = i;
        return Ir.ReduceSum(x, axes);
    }

    public static double[] Random(Random rng, int n)
    {
        var w = new double[n];
        for (int i = 0; i < n; i++) w[i] = 2 * rng.NextDouble() - 1;
        return w;
    }

    private static int[] AllInputs(GradCase c)
    {
        var wrt = new int[c.Shapes.Length];
        for (int k = 0; k < wrt.Length; k++) wrt[k] = k;
        return wrt;
    }

    /// <summary>string.GetHashCode is randomised per process; this one is not.</summary>
    public static int StableSeed(string s)
    {
        int h = 17;
        foreach (char ch in s) h = unchecked(h * 31 + ch);
        return h;
    }

    private static bool ContainsOp(Node y, OpCode op)
    {
        var stack = new Stack<Node>([y]);
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        while (stack.TryPop(out var n))
        {
            if (n.Op == op) return true;
            if (!seen.Add(n)) continue;
            foreach (var i in n.Inputs) stack.Push(i);
        }
        return false;
    }
}
