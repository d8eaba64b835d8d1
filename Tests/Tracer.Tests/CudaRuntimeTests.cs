using Tracer.Runtime.Cuda;

namespace Tracer.Tests;

[TestClass]
public class CudaRuntimeTests
{
    [TestMethod]
    public void WithoutAGpuAskingForOneIsAClearError()
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
