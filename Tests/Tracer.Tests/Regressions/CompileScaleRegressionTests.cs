using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests.Regressions;

/// <summary>
/// Reliability defect 11: a reduction-heavy gradient chain of thousands of steps spent seconds generating and
/// JIT-compiling thousands of tiny kernels (and planned its memory in quadratic time), and its cache entry kept about
/// 15 KB per step (the kernel program, the interpreter's trees and the traced graph), while a compile held every
/// stage at once. Its small kernels now run in the kernel interpreter, the cache keeps only what runs, and the
/// gradient is swept rather than copied by the optimiser; these tests check that this happens, that the results are
/// right and how much memory stays, not how fast it is (the timing is Benchmarks' <c>--scale</c>).
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

    /// <summary>
    /// What a cached program of a long chain keeps: measured as what clearing the cache frees. It was about 15 KB per
    /// step (kernel IR, interpreter trees, the traced forward graph through the result template); it is now under
    /// 3 KB. The bound leaves room for runtime differences, not for the old code.
    /// </summary>
    [TestMethod]
    [DoNotParallelize]   // measures the whole heap
    public void ACachedLongChainKeepsLittleMemoryPerStep()
    {
        const int steps = 2000;
        var df = Jit.Grad((Tensor x) => Chain(x, steps));
        var x = Tensor.FromArray(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }, 4);
        var expected = df(x.To(Device.Reference)).ToFloatArray();
        Jit.Cache.Clear();   // the reference interpreter's entry runs the graph itself, so it holds all of it
        long empty = GC.GetTotalMemory(forceFullCollection: true);
        var actual = df(x).ToFloatArray();
        long held = GC.GetTotalMemory(forceFullCollection: true);
        Jit.Cache.Clear();
        long cleared = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(df);
        long perStep = (held - cleared) / steps;
        Assert.IsLessThan(6_000L, perStep, $"the cached program keeps {perStep} bytes per step ({(held - cleared) >> 10} KB; before the call {empty >> 10} KB)");
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
    }

    /// <summary>
    /// Reverse mode records the chain's pullbacks without duplicates or foldable identities, so the final optimisation
    /// of a compile for running drops only the dead primal values and shares every node of the gradient graph, where
    /// it used to rebuild a second copy of it (half of a compile's peak memory on long chains).
    /// </summary>
    [TestMethod]
    public void TheGradientOfALongChainIsSweptNotCopied()
    {
        var traced = Jit.Trace((Tensor x) => Chain(x, 50), Tensor.Zeros(DType.Float32, 4));
        var grad = ReverseMode.ValueAndGrad(traced, [0]).WithOutputs(1, 1);
        var swept = Optimizer.Run(grad, new OptimizeOptions(Final: true, ShareNodes: true));
        Verifier.Verify(swept);
        var nodes = new HashSet<Node>(grad.Equations, ReferenceEqualityComparer.Instance);
        Assert.IsTrue(swept.Equations.All(nodes.Contains), "every equation is one of the gradient graph's own");
        Assert.IsLessThan(grad.Equations.Count, swept.Equations.Count, "the unused forward value is dropped");
        var copied = Optimizer.Run(grad, new OptimizeOptions(Final: true));
        Assert.AreEqual(copied.Equations.Count, swept.Equations.Count, "the sweep keeps what the replay keeps");
        Assert.IsFalse(copied.Equations.Any(nodes.Contains), "without ShareNodes the optimiser still builds its own graph (printing renumbers it)");
    }
}
