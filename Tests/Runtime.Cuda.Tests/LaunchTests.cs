using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// How generated kernels are launched: a bounded grid whose threads stride over the points, and block reductions
/// that combine by warp shuffles (with a shared-memory tree for warp sizes that do not divide the group).
/// </summary>
[TestClass]
public class LaunchTests
{
    private static Tensor Wave(int n, params int[] shape) =>
        Tensor.FromArray(Enumerable.Range(0, n).Select(i => Math.Sin(i * 0.37) * 2).ToArray(), shape);

    [TestMethod]
    public void ElementwiseKernelsPastTheThreadCapStrideOverTheirPoints()
    {
        int cap = CudaBackend.EmulatorMaxThreads;
        var x = Wave(1000, 1000);
        var onDevice = x.To(CudaRuntime.Emulator);
        Func<Tensor, Tensor> f = t => Tanh(t) * Sin(t) + t * t;
        StringAssert.Contains(Jit.Lower(f, onDevice).Code, $"launch {cap} threads striding over 1000 points");
        TestUtil.AssertClose(Jit.Compile(f)(x).ToDoubleArray(), Jit.Compile(f)(onDevice).ToDoubleArray(), 1e-12, 1e-12, "a map over 1000 points");
        // The gradient (a map), row sums over 300 rows (one register reduction per row), column sums (owned
        // accumulations) and a scatter-add with more updates than threads: every style strides.
        var grad = Jit.Grad((Tensor t) => Sum(f(t)));
        TestUtil.AssertClose(grad(x).ToDoubleArray(), grad(onDevice).ToDoubleArray(), 1e-12, 1e-12, "gradient");
        var m = Wave(900, 300, 3);
        Func<Tensor, Tensor> rows = t => Sum(Exp(t), 1);
        StringAssert.Contains(Jit.Lower(rows, m.To(CudaRuntime.Emulator)).Code, $"launch {cap} threads striding over 300 points, 3 iterations per point");
        TestUtil.AssertClose(rows(m).ToDoubleArray(), Jit.Compile(rows)(m.To(CudaRuntime.Emulator)).ToDoubleArray(), 1e-12, 1e-12, "row sums");
        var wide = Wave(900, 3, 300);
        Func<Tensor, Tensor> cols = t => Sum(t * t, 0);
        TestUtil.AssertClose(cols(wide).ToDoubleArray(), Jit.Compile(cols)(wide.To(CudaRuntime.Emulator)).ToDoubleArray(), 1e-12, 1e-12, "column sums");
        var table = Wave(20, 10, 2);
        var ids = Tensor.FromArray(Enumerable.Range(0, 150).Select(i => i * 7 % 10).ToArray(), 150);
        var lookup = Jit.Grad((Tensor t, Tensor i) => Sum(Take(t, i, 0) * Take(t, i, 0)));
        StringAssert.Contains(Jit.Lower(lookup, table.To(CudaRuntime.Emulator), ids.To(CudaRuntime.Emulator)).Code, "striding over 300 points, atomic adds");
        TestUtil.AssertClose(lookup(table, ids).ToDoubleArray(), lookup(table.To(CudaRuntime.Emulator), ids.To(CudaRuntime.Emulator)).ToDoubleArray(), 1e-12, 1e-12, "scatter-add");
    }

    [TestMethod]
    public void A1e8ElementMapIsOneBoundedGridOnAnH200()
    {
        // The H200's launch limits (132 multiprocessors x 2048 resident threads, warps of 32): lowered, not run.
        using var backend = CudaRuntime.CreateEmulator(10);
        backend.LimitsOverride = new LaunchLimits(256, 32, 132 * 2048);
        var s = Tensor.Scalar(0.5f).To(backend.Device);
        var code = Jit.Lower((Tensor t) => Sin(BroadcastTo(t, 100_000_000)) * 2.0, s).Code;
        StringAssert.Contains(code, "launch 270336 threads striding over 100000000 points");
        StringAssert.Contains(code, ".visible .entry");
    }

    [TestMethod]
    public void BlockReductionsCombineByWarpShuffles()
    {
        var backend = CudaRuntime.EmulatorDevice;
        int warp = backend.Limits.WarpSize;
        Assert.IsGreaterThan(1, warp, "the emulator has warps of several lanes");
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        {
            var x = Cast(Wave(1200, 4, 300) * 3.0, dtype);
            Func<Tensor, Tensor> f = t => Sum(t, 1) + Max(t, 1) + Min(t * t, 1) + Sum(Prod(Sign(t), 1));
            var lowered = Jit.Lower(f, x.To(CudaRuntime.Emulator));
            StringAssert.Contains(lowered.Code, $"groups of 16 threads, 300 elements per group, warp shuffles ({warp} lanes)", dtype.ToString());
            StringAssert.Contains(lowered.Code, "shfl.sync.down", $"{dtype}: the PTX shuffles");
            TestUtil.AssertClose(Jit.Compile(f)(x).ToDoubleArray(), Jit.Compile(f)(x.To(CudaRuntime.Emulator)).ToDoubleArray(), 1e-6, 1e-6, dtype.ToString());
        }
    }

    [TestMethod]
    public void AWarpSizeThatDoesNotDivideTheGroupFallsBackToTheSharedMemoryTree()
    {
        using var backend = CudaRuntime.CreateEmulator(9);
        backend.LimitsOverride = backend.Limits with { WarpSize = 1 };
        var x = Wave(1200, 4, 300);
        Func<Tensor, Tensor> f = t => Sum(t, 1) * Max(t, 1);
        var onDevice = x.To(backend.Device);
        var code = Jit.Lower(f, onDevice).Code;
        StringAssert.Contains(code, "300 elements per group, tree in shared memory");
        Assert.DoesNotContain("shfl", code);
        TestUtil.AssertClose(Jit.Compile(f)(x).ToDoubleArray(), Jit.Compile(f)(onDevice).ToDoubleArray(), 1e-12, 1e-12, "tree");
    }
}
