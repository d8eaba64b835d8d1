using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>The compiler's stages one by one: the verifier after every pass, and what each pass does.</summary>
[TestClass]
public class PipelineTests
{
    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void VerifierAcceptsEveryStage(OpsGradientTests.Case c)
    {
        var x = Tensor.Zeros(DType.Float64, c.Shape);
        var traced = Jit.Trace((Tensor t) => Sum(c.F(t)), x);
        Verifier.Verify(traced);
        var grad = ReverseMode.ValueAndGrad(traced, [0]);
        Verifier.Verify(grad);
        var optimised = Optimizer.Run(grad);
        Verifier.Verify(optimised);
        Verifier.Verify(Optimizer.Run(grad, new OptimizeOptions(Final: true)));
        var second = ReverseMode.ValueAndGrad(Optimizer.Run(grad.WithOutputs(1, 1).WithSum()), [0]);
        Verifier.Verify(second);
    }

    [TestMethod]
    public void OptimizerRemovesDeadCodeAndDuplicatesAndIdentities()
    {
        var x = Tensor.Zeros(DType.Float32, 4);
        var g = Jit.Trace((Tensor t) =>
        {
            _ = Exp(t);                       // dead
            var a = Sin(t) * 1.0;             // identity
            var b = Sin(t) + 0.0;             // duplicate of sin, identity
            return a + b;
        }, x);
        var o = Optimizer.Run(g);
        Verifier.Verify(o);
        Assert.AreEqual(
            "{ lambda a:f32[4] .\n    b:f32[4] = sin a\n    c:f32[4] = add b b\n  in (c) }", o.ToString());
    }

    /// <summary>Regression: the README's gradient printed `mul e a` with e a broadcast 1.0, which the docs said was folded.</summary>
    [TestMethod]
    public void TheSeedCotangentTimesAValueIsFoldedAndItsBroadcastDropped()
    {
        var df = Jit.Grad((Tensor x) => Sum(Tanh(x) * Sin(x) + x * x));
        string printed = Jit.Trace(df, Tensor.Zeros(DType.Float32, 4)).ToString();
        Assert.DoesNotContain("broadcast_in_dim", printed, printed);
        Assert.DoesNotContain("1.0:f32[]\n", printed, printed);
        StringAssert.Contains(printed, "add a a", printed);
    }

    /// <summary>
    /// Regression (compile scale): the backward pass of a subtraction summed the negated cotangent in a reduction of
    /// its own, next to the plain sum of the same cotangent: one more kernel per step of a long chain.
    /// </summary>
    [TestMethod]
    public void TheSumOfANegationIsTheNegationOfTheSumAndSharesIt()
    {
        var g = Jit.Trace((Tensor t) => Sum(Sin(t)) * Sum(-Sin(t)), Tensor.Zeros(DType.Float32, 4));
        var o = Optimizer.Run(g, new OptimizeOptions(Final: true));
        Verifier.Verify(o);
        Assert.AreEqual(1, o.Equations.Count(e => e.Op == OpCode.ReduceSum), o.ToString());
        Assert.AreEqual(-16 * Math.Pow(Math.Sin(0.5), 2), Jit.Compile((Tensor t) => Sum(Sin(t)) * Sum(-Sin(t)))(Tensor.Full(DType.Float64, 0.5, 4)).Item(), 1e-12);
    }

    [TestMethod]
    public void ScalarLiteralArithmeticIsFolded()
    {
        var g = Jit.Trace((Tensor t) => t * (Tensor.Scalar(2f) * 3.0), Tensor.Zeros(DType.Float32, 2));
        StringAssert.Contains(Optimizer.Run(g).ToString(), "mul a 6.0:f32[]");
    }

    [TestMethod]
    public void VerifierRejectsAnIllTypedGraph()
    {
        var b = new GraphBuilder(Dispatch.Rules, null);
        Graph g;
        using (b.Activate())
        {
            var x = b.Input(new TensorType(new Shape(3), DType.Float32));
            g = b.Build([Ir.Sin(x)]);
        }
        Verifier.Verify(g);
        var other = new GraphBuilder(Dispatch.Rules, null);
        using (other.Activate())
        {
            var y = other.Input(new TensorType(new Shape(3), DType.Float32));
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => other.Build([g.Outputs[0]]));
            StringAssert.Contains(e.Message, "finished trace");
            _ = y;
        }
    }
}

internal static class GraphTestExtensions
{
    /// <summary>A graph whose single output is the sum of the given graph's first output (a scalar loss).</summary>
    public static Graph WithSum(this Graph g)
    {
        var b = new GraphBuilder(g.Rules, g.Parent);
        using var scope = b.Activate();
        var map = Replay.MapInputs(g, b);
        Replay.CopyEquations(g, map);
        var o = map[g.Outputs[0].Id];
        var axes = new int[o.Shape.Rank];
        for (int i = 0; i < axes.Length; i++) axes[i] = i;
        return b.Build([Ir.ReduceSum(o, axes)]);
    }
}
