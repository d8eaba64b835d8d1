using Tracer.Runtime.Cuda;
using Tracer.Tests.ShapeOps;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The cumulative, sorting, shape-utility and indexing operations (ShapeOpsTests' table) on the CUDA device under
/// test against the CPU, forward and backward, with every generated kernel of both compiled to PTX.
/// </summary>
[TestClass]
public class ShapeOpsConformanceTests
{
    private static Device Target => TestDevice.Backend.Device;

    [TestMethod]
    [DynamicData(nameof(ShapeOpsTests.CaseRows), typeof(ShapeOpsTests), DynamicDataDisplayName = nameof(ShapeOpsTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(ShapeOpsTests))]
    public void ValueAndGradientMatchTheCpuAndCompileToPtx(ShapeOpsTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = ShapeOpsTests.Input(c, dtype, 17);
            var onDevice = x.To(Target);
            double tol = dtype == DType.Float32 ? 2e-5 : 1e-10;
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
