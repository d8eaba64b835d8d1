using ILGPU;
using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>What happens when ILGPU cannot compile a kernel: a clear error, a usable context, nothing cached.</summary>
[TestClass]
public class CompileErrorTests
{
    /// <summary>Boxes a value: GPU code cannot allocate managed objects, so ILGPU rejects it.</summary>
    public static void Boxing(Index1D index, ArrayView<float> a, ArrayView<float> b) => b[index] = ((object)a[index]).GetHashCode();

    [TestMethod]
    public void AKernelIlgpuRejectsIsNamedWithItsPrimitiveAndLeavesTheDeviceUsable()
    {
        // A device of its own, so the seam does not disturb tests running in parallel on the shared emulator.
        using var backend = CudaRuntime.CreateEmulator(7);
        var x = Tensor.FromArray(new float[] { 0.5f, 1, 2 }, 3).To(backend.Device);
        var f = Jit.Compile((Tensor a) => Sin(a));
        backend.ReplaceKernel = _ => typeof(CompileErrorTests).GetMethod(nameof(Boxing))!;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => f(x));
        StringAssert.Contains(e.Message, "could not compile kernel k0");
        StringAssert.Contains(e.Message, "sin");
        backend.ReplaceKernel = null;
        // The failed compile left nothing in the cache and the context compiles again.
        CollectionAssert.AreEqual(Sin(x.To(Device.Cpu)).ToFloatArray(), f(x).ToFloatArray());
    }
}
