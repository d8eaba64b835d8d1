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
}
