using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The check the op-table conformance tests share: a function's compiled value and its gradient on the CUDA device
/// under test equal the CPU's (within the table's tolerance), the gradient stays on the device, and every loop
/// kernel of both compiles to PTX (lowered for the emulator, so no GPU is needed).
/// </summary>
internal static class DeviceConformance
{
    public static void Check(string name, Func<Tensor, Tensor> f, Tensor x, double tol)
    {
        var target = TestDevice.Backend.Device;
        var onDevice = x.To(target);
        string what = $"{name} {x.DType.ShortName()}";
        var compile = Jit.Compile(f);
        TestUtil.AssertClose(compile(x).ToDoubleArray(), compile(onDevice).ToDoubleArray(), tol, tol, $"{what}: value");
        var grad = Jit.Grad((Tensor t) => Sum(f(t)));
        var g = grad(onDevice);
        Assert.AreEqual(target, g.Device);
        TestUtil.AssertClose(grad(x).ToDoubleArray(), g.ToDoubleArray(), tol * 10, tol * 10, $"{what}: gradient");

        var onEmulator = x.To(CudaRuntime.Emulator);
        PtxTests.AssertEveryLoopIsAGpuKernel(Jit.Lower(f, onEmulator), $"{what}: forward");
        PtxTests.AssertEveryLoopIsAGpuKernel(Jit.Lower(grad, onEmulator), $"{what}: gradient");
    }
}
