using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>Tensors hold storages owned by their device's backend; ops run where their inputs live.</summary>
[TestClass]
public class StorageAndDeviceTests
{
    [TestMethod]
    public void ATensorHoldsAStorageOfItsDevice()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        Assert.IsInstanceOfType<HostStorage>(x.Storage);
        Assert.AreEqual(Device.Cpu, x.Storage.Device);
        var r = x.To(Device.Reference);
        Assert.AreNotSame(x.Storage, r.Storage, "moving copies");
        Assert.AreEqual(Device.Reference, r.Device);
        Assert.AreEqual("f32[3]@reference [1, 2, 3]", r.ToString());
        Assert.AreSame(r, r.To(Device.Reference));
        var back = r.To(Device.Cpu);
        Assert.AreEqual(Device.Cpu, back.Device);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, back.ToFloatArray());
    }

    [TestMethod]
    public void EagerOpsRunOnTheDeviceOfTheirInputsAndNumbersFollow()
    {
        var x = Tensor.FromArray(new double[] { 1, 4, 9 }, 3).To(Device.Reference);
        var y = Sqrt(x) * 2.0 + Tensor.Scalar(1.0);
        Assert.AreEqual(Device.Reference, y.Device);
        CollectionAssert.AreEqual(new double[] { 3, 5, 7 }, y.ToDoubleArray());
    }

    [TestMethod]
    public void ArgumentsOnDifferentDevicesAreAnErrorNamingBoth()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }, 2);
        var b = a.To(Device.Reference);
        var eager = Assert.ThrowsExactly<ArgumentException>(() => a + b);
        StringAssert.Contains(eager.Message, "add");
        StringAssert.Contains(eager.Message, "on cpu");
        StringAssert.Contains(eager.Message, "on reference");

        var f = Jit.Compile((Tensor p, Tensor q) => p * q);
        var compiled = Assert.ThrowsExactly<ArgumentException>(() => f(a, b));
        StringAssert.Contains(compiled.Message, "different devices");
        StringAssert.Contains(compiled.Message, "on cpu");
        StringAssert.Contains(compiled.Message, "on reference");
        CollectionAssert.AreEqual(new float[] { 1, 4 }, f(a, a).ToFloatArray(), "the delegate works afterwards");
    }

    [TestMethod]
    public void TreesAndOptimiserStateMoveAndUpdateOnTheDevice()
    {
        var model = (W: Tensor.FromArray(new double[] { 1, -2 }, 2), B: Tensor.Scalar(0.5));
        var onRef = Tree.To(model, Device.Reference);
        Assert.AreEqual(Device.Reference, onRef.W.Device);
        var grads = Jit.Grad(((Tensor W, Tensor B) m) => Sum(Square(m.W)) + m.B * m.B)(onRef);
        Assert.AreEqual(Device.Reference, grads.W.Device);
        var opt = new Tracer.Training.Adam(learningRate: 0.1);
        var state = opt.Init(onRef);
        var (updated, _) = opt.Update(onRef, grads, state);
        Assert.AreEqual(Device.Reference, updated.W.Device);
        var (onCpu, _) = opt.Update(model, Tree.To(grads, Device.Cpu), opt.Init(model));
        TestUtil.AssertClose(onCpu.W.ToDoubleArray(), updated.W.ToDoubleArray(), 1e-12, 1e-12, "same update on both devices");
    }

    [TestMethod]
    public void UnknownDevicesAreAClearError()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => Tensor.Scalar(1f).To(new Device("tpu", 3)));
        StringAssert.Contains(e.Message, "tpu:3");
        StringAssert.Contains(e.Message, "known devices");
    }
}
