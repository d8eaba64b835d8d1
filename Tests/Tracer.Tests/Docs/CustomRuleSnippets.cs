using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/custom-rules.md, run as tests.</summary>
[TestClass]
public class CustomRuleSnippets
{
    // begin-snippet: log1mexp
    // log(1 - exp(-x)) for x > 0: the log-probability that an exponential waiting time is at most x. Its naive
    // derivative exp(-x) / (1 - exp(-x)) overflows towards 0/0 near x = 0; the stable form is 1 / expm1(x).
    static readonly Func<Tensor, Tensor> Log1mExp = Rule.Define("log1mexp", x =>
    {
        // Two formulas, each accurate on its side of log(2) (Mächler, 2012).
        var small = Log(-Expm1(-x));
        var large = Log1p(-Exp(-x));
        var y = Where(Less(x, Math.Log(2)), small, large);
        return (y, dy => dy / Expm1(x));
    });
    // end-snippet

    [TestMethod]
    public void StableRule()
    {
        // begin-snippet: log1mexp-use
        var rates = Tensor.FromArray(new double[] { 1e-8, 0.3, 5, 40 }, 4);
        Console.WriteLine(Jit.Grad((Tensor x) => Sum(Log1mExp(x)))(rates));   // 1/expm1(x): finite even at 1e-8

        var report = Rule.Check(Log1mExp, Tensor.FromArray(new double[] { 0.2, 0.9, 3 }, 3),
                                reference: x => Log(1.0 - Exp(-x)));
        Console.WriteLine(report);   // primal, pullback arity and cotangents against finite differences
        // end-snippet
        Assert.IsTrue(report.Passed, report.ToString());
        Assert.AreEqual(1e8 - 0.5, Jit.Grad((Tensor x) => Sum(Log1mExp(x)))(rates).ToDoubleArray()[0], 1.0);   // 1/expm1(x) = 1/x - 1/2 + O(x)
        StringAssert.Contains(Jit.Trace((Tensor x) => Sum(Log1mExp(x)), rates).ToString(), "name=log1mexp");
    }

    [TestMethod]
    public void StraightThrough()
    {
        // begin-snippet: straight-through
        // Quantisation-aware training: the forward pass rounds weights to a 4-bit grid; the pullback pretends the
        // rounding was the identity (the straight-through estimator), so the float weights keep learning.
        static Tensor Round(Tensor x) => Cast(Cast(x + Sign(x) * 0.5, DType.Int32), x.DType);   // half away from zero
        var quantise = Rule.Define("quantise_4bit", w =>
        {
            var scale = StopGradient(Max(Abs(w))) / 7.0;
            var q = Clamp(Round(w / scale), -8, 7) * scale;
            return (q, dq => dq);
        });
        var w = Tensor.FromArray(new float[] { 0.31f, -0.7f, 0.05f, 0.66f }, 4);
        var target = Tensor.FromArray(new float[] { 0.3f, -0.6f, 0.1f, 0.7f }, 4);
        var grad = Jit.Grad((Tensor p) => Sum(Square(quantise(p) - target)))(w);
        Console.WriteLine(grad);   // 2 (q - target): nonzero, although rounding has zero derivative
        // end-snippet
        Assert.IsTrue(grad.ToFloatArray().Any(g => g != 0));
    }
}
