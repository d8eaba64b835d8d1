using Tracer.Runtime.Cuda;
using Tracer.Tests.Operations;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The extra operations (MoreOpsTests' table) on the CUDA device under test against the CPU, forward and backward,
/// and their forward and gradient kernels compiled to PTX.
/// </summary>
[TestClass]
public class MoreOpsConformanceTests
{
    private static Device Target => TestDevice.Backend.Device;

    [TestMethod]
    [DynamicData(nameof(MoreOpsTests.CaseRows), typeof(MoreOpsTests), DynamicDataDisplayName = nameof(MoreOpsTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(MoreOpsTests))]
    public void ValueAndGradientMatchTheCpuAndCompileToPtx(MoreOpsTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = MoreOpsTests.MakeInput(c, dtype, 13);
            var onDevice = x.To(Target);
            double tol = dtype == DType.Float32 ? 2e-4 : TestDevice.OnGpu ? 1e-9 : 1e-10;
            var compile = Jit.Compile(c.F);
            TestUtil.AssertClose(compile(x).ToDoubleArray(), compile(onDevice).ToDoubleArray(), tol, tol, $"{c.Name} {dtype.ShortName()}: value");
            var grad = Jit.Grad((Tensor t) => Sum(c.F(t)));
            var g = grad(onDevice);
            Assert.AreEqual(Target, g.Device);
            TestUtil.AssertClose(grad(x).ToDoubleArray(), g.ToDoubleArray(), tol * 10, tol * 10, $"{c.Name} {dtype.ShortName()}: gradient");

            var onEmulator = x.To(CudaRuntime.Emulator);
            PtxTests.AssertEveryLoopIsAGpuKernel(Jit.Lower(c.F, onEmulator), $"{c.Name} {dtype.ShortName()}: forward");
            PtxTests.AssertEveryLoopIsAGpuKernel(Jit.Lower(grad, onEmulator), $"{c.Name} {dtype.ShortName()}: gradient");
        }
    }
}
