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

[TestClass]
public class DeviceTests
{
    [TestMethod]
    public void MovingToTheCpuKeepsTheTensorAndOtherDevicesAreAClearError()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        Assert.AreSame(x, x.To(Device.Cpu));
        var moved = Tree.To(new[] { x, x }, Device.Cpu);
        CollectionAssert.AreEqual(new float[] { 1, 2 }, moved[1].ToFloatArray());
        var e = Assert.ThrowsExactly<NotSupportedException>(() => x.To(new Device("cuda", 0)));
        StringAssert.Contains(e.Message, "cuda");
    }
}
