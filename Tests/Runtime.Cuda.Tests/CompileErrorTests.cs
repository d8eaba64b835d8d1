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

    /// <summary>
    /// The shared (CPU) erfc: its recursion for negative x makes ILGPU 1.5.3's PTX backend fail with an internal
    /// compiler error, which poisons the context unless its caches are cleared.
    /// </summary>
    public static void SharedErfc(Index1D index, ArrayView<float> a, ArrayView<float> b) => b[index] = Tracer.Runtime.Cpu.SpecialMath.Erfc(a[index]);

    [TestMethod]
    public void AnInternalCompilerErrorInThePtxBackendNamesTheKernelAndLeavesTheContextUsable()
    {
        using var backend = CudaRuntime.CreateEmulator(6);
        var x = Tensor.FromArray(new float[] { 0.5f, -1, 2 }, 3).To(backend.Device);
        backend.ReplaceKernel = _ => typeof(CompileErrorTests).GetMethod(nameof(SharedErfc))!;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => Jit.Lower((Tensor a) => Cos(a), x).Code);
        backend.ReplaceKernel = null;
        Assert.IsInstanceOfType<ILGPU.InternalCompilerException>(e.InnerException, "the PTX backend's internal compiler error");
        StringAssert.Contains(e.Message, "could not compile kernel k0");
        StringAssert.Contains(e.Message, "cos");
        StringAssert.Contains(e.Message, "to PTX");
        // The context's caches were cleared: PTX generation works again, erfc's device form included.
        var again = Jit.Lower((Tensor a) => Erfc(a) * Sin(a), x);
        StringAssert.Contains(again.Code, ".visible .entry");
        TestUtil.AssertClose(Jit.Compile((Tensor a) => Erfc(a) * Sin(a))(x.To(Device.Cpu)).ToDoubleArray(),
            Jit.Compile((Tensor a) => Erfc(a) * Sin(a))(x).ToDoubleArray(), 1e-6, 1e-6, "and kernels still run");
    }

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

/// <summary>Running out of device memory, provoked on the emulator: a clear error, the pool emptied first, the device still usable.</summary>
[TestClass]
public class OutOfMemoryTests
{
    [TestMethod]
    public void OutOfDeviceMemoryEmptiesThePoolRetriesOnceAndThenSaysWhatToDo()
    {
        using var backend = CudaRuntime.CreateEmulator(8);
        var x = Tensor.FromArray(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), 100).To(backend.Device);
        var f = Jit.Compile((Tensor a) => Exp(a * 0.01) + a);
        var expected = f(x.To(Device.Cpu)).ToDoubleArray();
        f(x).Dispose();   // its buffer goes back to the pool
        Assert.IsGreaterThan(0L, backend.PooledBytes);
        int attempts = 0;
        backend.AllocationHook = (dtype, length) =>
        {
            if (length != 100) return;
            attempts++;
            throw new OutOfMemoryException("simulated: the device is full");
        };
        // The pool holds a buffer of the right size, so the first output comes from it; the second allocation fails.
        var kept = f(x);
        var e = Assert.ThrowsExactly<InsufficientMemoryException>(() => f(x));
        Assert.AreEqual(2, attempts, "tried, emptied the pool, tried once more");
        Assert.AreEqual(0L, backend.PooledBytes, "the pool was emptied before the second try");
        StringAssert.Contains(e.Message, "out of device memory allocating");
        StringAssert.Contains(e.Message, "f32[100]");
        StringAssert.Contains(e.Message, "output 0");
        StringAssert.Contains(e.Message, "Dispose tensors");
        backend.AllocationHook = null;
        TestUtil.AssertClose(expected, f(x).ToDoubleArray(), 1e-6, 1e-6, "the device works once memory is free");
        TestUtil.AssertClose(expected, kept.ToDoubleArray(), 1e-6, 1e-6, "the output made before");
    }
}
