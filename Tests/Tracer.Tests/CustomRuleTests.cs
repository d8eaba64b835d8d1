using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class CustomRuleTests
{
    /// <summary>Truncation toward zero through an integer cast (not differentiable: the cast has no gradient).</summary>
    private static Tensor Trunc(Tensor x) => Cast(Cast(x, DType.Int32), x.DType);

    private static readonly Func<Tensor, Tensor> MySoftplus = Rule.Define("my_softplus", x =>
    {
        var y = Log1p(Exp(x));
        return (y, dy => dy * Sigmoid(x));
    });

    // Straight-through estimator: the forward rounds, the pullback pretends it was the identity.
    private static readonly Func<Tensor, Tensor> RoundSte = Rule.Define("round_ste", x =>
    {
        var y = Sign(x) * Trunc(Abs(x) + 0.5);
        return (y, dy => dy);
    });

    [TestMethod]
    public void CustomRuleMatchesTheBuiltInEverywhere()
    {
        var x = Tensor.FromArray(new double[] { -2, -0.5, 0.3, 1.7 }, 4);
        TestUtil.AssertClose(Softplus(x).ToDoubleArray(), MySoftplus(x).ToDoubleArray(), 1e-12, 1e-12, "eager");
        TestUtil.AssertClose(Softplus(x).ToDoubleArray(), Jit.Compile(MySoftplus)(x).ToDoubleArray(), 1e-12, 1e-12, "compiled");
        var g = Jit.Grad((Tensor t) => Sum(MySoftplus(t)))(x);
        TestUtil.AssertClose(Sigmoid(x).ToDoubleArray(), g.ToDoubleArray(), 1e-12, 1e-12, "grad");
        // Second order: the pullback is traced IR too, so it differentiates again (sigmoid' = s(1-s)).
        var h = Jit.Grad((Tensor t) => Sum(Jit.Grad((Tensor u) => Sum(MySoftplus(u)))(t)))(x);
        var s = Sigmoid(x);
        TestUtil.AssertClose((s * (1.0 - s)).ToDoubleArray(), h.ToDoubleArray(), 1e-12, 1e-12, "second order");
    }

    [TestMethod]
    public void TheRegisteredPullbackIsWhatRuns()
    {
        var x = Tensor.FromArray(new float[] { -1.4f, 0.2f, 2.6f }, 3);
        CollectionAssert.AreEqual(new float[] { -1, 0, 3 }, Jit.Compile(RoundSte)(x).ToFloatArray());
        // The true derivative of rounding is 0 almost everywhere; the straight-through pullback gives 1.
        CollectionAssert.AreEqual(new float[] { 1, 1, 1 }, Jit.Grad((Tensor t) => Sum(RoundSte(t)))(x).ToFloatArray());
        var report = Rule.Check(RoundSte, Tensor.FromArray(new double[] { 0.2, 1.3 }, 2));
        Assert.IsFalse(report.Passed, report.ToString());
        StringAssert.Contains(report.Failures[0], "input 0");
    }

    [TestMethod]
    public void NameAppearsInPrintedGraphs()
    {
        var g = Jit.Trace((Tensor t) => Sum(MySoftplus(t)), Tensor.Zeros(DType.Float32, 3));
        // The rule's traced definition (forward and pullback) prints in full under the equation.
        StringAssert.Contains(g.ToString(), "custom_vjp_call[name=my_softplus\n      joint={ lambda ");
        StringAssert.Contains(g.ToString(), " = log1p ");
        StringAssert.Contains(g.ToString(), " = logistic ");
    }

    [TestMethod]
    public void RuleCheckPassesForACorrectRule()
    {
        var report = Rule.Check(MySoftplus, Tensor.FromArray(new double[] { -1, 0.5, 2 }, 3), Softplus);
        Assert.IsTrue(report.Passed, report.ToString());
        Assert.IsTrue(report.Checks.Count >= 3);
    }

    [TestMethod]
    public void TwoInputRuleWithWrongCotangentIsReportedForThatInput()
    {
        var badMul = Rule.Define("bad_mul", (Tensor a, Tensor b) => (a * b, dy => (dy * b, dy * b)));
        var report = Rule.Check(badMul, Tensor.FromArray(new double[] { 1, 2 }, 2), Tensor.FromArray(new double[] { 3, 5 }, 2));
        Assert.IsFalse(report.Passed);
        Assert.AreEqual(1, report.Failures.Count, report.ToString());
        StringAssert.Contains(report.Failures[0], "input 1");
    }

    [TestMethod]
    public void RuleClosingOverAnOuterTracerWorks()
    {
        // scale is a traced value of the enclosing function; the rule closes over it.
        Func<Tensor, Tensor> f = x =>
        {
            var scale = Sum(x);
            var scaled = Rule.Define("scaled_sin", t => (Sin(t) * scale, dy => dy * Cos(t) * scale));
            return Sum(scaled(x));
        };
        var x = Tensor.FromArray(new double[] { 0.3, 0.7 }, 2);
        Assert.AreEqual((Math.Sin(0.3) + Math.Sin(0.7)) * 1.0, Jit.Compile(f)(x).Item(), 1e-12);
        var g = Jit.Grad(f)(x);
        // Captured values get no gradient through the rule: d/dx_i = cos(x_i) * scale.
        TestUtil.AssertClose([Math.Cos(0.3), Math.Cos(0.7)], g.ToDoubleArray(), 1e-12, 1e-12, "grad");
    }

    [TestMethod]
    public void PullbackWithAWrongShapeIsAClearError()
    {
        var bad = Rule.Define("bad_shape", x => (Sum(x), dy => dy));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Jit.Grad((Tensor t) => bad(t))(Tensor.Zeros(DType.Float32, 3)));
        StringAssert.Contains(e.Message, "bad_shape");
        StringAssert.Contains(e.Message, "[3]");
    }

    [TestMethod]
    public void NonDifferentiableOperationsPassNoGradient()
    {
        var quantise = Rule.NonDifferentiable("quantise", x => Trunc(x * 4.0) / 4.0);
        var x = Tensor.FromArray(new double[] { 0.3, 0.9 }, 2);
        CollectionAssert.AreEqual(new double[] { 0.25, 0.75 }, Jit.Compile(quantise)(x).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 1, 1 }, Jit.Grad((Tensor t) => Sum(quantise(t) + t))(x).ToDoubleArray());
    }
}
