using Tracer;
using Tracer.Runtime.Cuda;

namespace Consumer;

/// <summary>The CUDA package restores and loads (ILGPU comes with it); without a GPU asking for one is a clear error.</summary>
[TestClass]
public class CudaPackageTests
{
    [TestMethod]
    public void DeviceDiscoveryRunsFromThePackage()
    {
        if (CudaRuntime.DeviceCount > 0)
        {
            Assert.AreEqual("cuda:0", CudaRuntime.Device(0).ToString());
            return;
        }
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => CudaRuntime.Device(0));
        StringAssert.Contains(e.Message, "no CUDA GPU is present");
    }

    [TestMethod]
    public void TheEmulatorRunsACompiledGradientFromThePackage()
    {
        // Kernels generated, compiled by ILGPU (with ILGPU.Algorithms' math) and run on its CPU accelerator.
        var x = Tensor.FromArray(new float[] { 0.5f, -1, 2 }, 3);
        var grad = Jit.Grad((Tensor t) => Ops.Sum(Ops.Tanh(t) * t));
        var onDevice = grad(x.To(CudaRuntime.Emulator));
        Assert.AreEqual(CudaRuntime.Emulator, onDevice.Device);
        var (expected, actual) = (grad(x).ToFloatArray(), onDevice.ToFloatArray());
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f, $"element {i}");
    }
}
