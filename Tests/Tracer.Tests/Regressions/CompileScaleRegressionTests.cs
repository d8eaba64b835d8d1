using static Tracer.Ops;

namespace Tracer.Tests.Regressions;

/// <summary>
/// Reliability defect 11: a reduction-heavy gradient chain of thousands of steps spent seconds generating and
/// JIT-compiling thousands of tiny kernels (and planned its memory in quadratic time). Its small kernels now run in
/// the kernel interpreter; these tests check that this happens and that the results are right, not how fast it is
/// (the timing is Benchmarks' <c>--scale</c>).
/// </summary>
[TestClass]
public sealed class CompileScaleRegressionTests
{
    private static Tensor Chain(Tensor x, int steps)
    {
        var y = x;
        for (int i = 0; i < steps; i++) y = Sin(y) - Mean(y) + Max(y);
        return Sum(y);
    }

    [TestMethod]
    public void ALongReductionChainsGradientRunsItsSmallKernelsInTheInterpreterAndIsRight()
    {
        var df = Jit.Grad((Tensor x) => Chain(x, 400));
        var x = Tensor.FromArray(new double[] { 0.1, 0.2, 0.3, 0.4 }, 4);
        StringAssert.Contains(Jit.Lower(df, x).Code, "(interpreted)", "thousands of tiny kernels are not compiled one by one");
        var expected = df(x.To(Device.Reference)).ToDoubleArray();
        var actual = df(x).ToDoubleArray();
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], actual[i], 1e-9 * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
    }

    [TestMethod]
    public void AShortChainIsStillCompiled()
    {
        var df = Jit.Grad((Tensor x) => Chain(x, 3));
        var x = Tensor.FromArray(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }, 4);
        Assert.DoesNotContain("(interpreted)", Jit.Lower(df, x).Code);
    }
}
