using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class TensorTests
{
    [TestMethod]
    public void ConstructionAndReadBack()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.AreEqual(2, x.Shape.Rank);
        Assert.AreEqual(6, x.Shape.Size);
        Assert.AreEqual(3, x.Shape[1]);
        Assert.AreEqual(DType.Float32, x.DType);
        Assert.AreEqual(Device.Cpu, x.Device);
        Assert.AreEqual(DType.Float64, Tensor.FromArray(new double[] { 1, 2 }, 2).DType);
        Assert.AreEqual(DType.Int32, Tensor.FromArray(new[] { 0, 2 }, 2).DType);
        Assert.AreEqual(0, Tensor.Scalar(3f).Shape.Rank);
        Assert.AreEqual(3.0, Tensor.Scalar(3f).Item());
        CollectionAssert.AreEqual(new float[] { 7, 7 }, Tensor.Full(DType.Float32, 7, 2).ToFloatArray());
        Assert.AreEqual(0, Tensor.Zeros(DType.Float32).Shape.Rank);
    }

    [TestMethod]
    public void FromArrayCopies()
    {
        var data = new float[] { 1, 2 };
        var x = Tensor.FromArray(data, 2);
        data[0] = 99;
        Assert.AreEqual(1f, x.ToFloatArray()[0]);
        x.ToFloatArray()[1] = 5;
        Assert.AreEqual(2f, x.ToFloatArray()[1]);
    }

    [TestMethod]
    public void NumbersAreWeaklyTypedAndTensorsPromote()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        Assert.AreEqual(DType.Float32, (x * 2.0).DType);
        Assert.AreEqual(DType.Float32, (2.5 - x).DType);
        Assert.AreEqual(DType.Float64, (x + Tensor.FromArray(new double[] { 1, 1 }, 2)).DType);
        Assert.AreEqual(DType.Float32, (Tensor.FromArray(new[] { 1, 2 }, 2) * 0.5).DType);
        Assert.AreEqual(DType.Int32, (Tensor.FromArray(new[] { 1, 2 }, 2) * 2).DType);
        Assert.AreEqual(DType.Bool, Greater(x, 1.5).DType);
    }

    [TestMethod]
    public void EagerBroadcastingFollowsNumPy()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1);
        var b = Tensor.FromArray(new float[] { 10, 20 }, 2);
        var c = a + b;
        Assert.AreEqual(new Shape(3, 2), c.Shape);
        CollectionAssert.AreEqual(new float[] { 11, 21, 12, 22, 13, 23 }, c.ToFloatArray());
    }

    [TestMethod]
    public void EagerOpsGiveExpectedValues()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        CollectionAssert.AreEqual(new double[] { 5, 7, 9 }, Sum(x, 0).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 3, 6 }, Max(x, 1).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 2, 5 }, Mean(x, 1).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 1, 4, 2, 5, 3, 6 }, Transpose(x).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 2, 3, 5, 6 }, Slice(x, [0, 1], [2, 3]).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 3, 1, 6, 4 }, Take(x, Tensor.FromArray(new[] { 2, 0 }, 2), 1).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 14, 32 }, MatMul(x, Tensor.FromArray(new double[] { 1, 2, 3 }, 3)).ToDoubleArray());
        Assert.AreEqual(new Shape(2, 1, 3), ExpandDims(x, 1).Shape);
        Assert.AreEqual(new Shape(2, 2, 3), Stack(0, x, x).Shape);
        Assert.AreEqual(new Shape(2, 6), Concat(1, x, x).Shape);
        var sm = Softmax(x, 1).ToDoubleArray();
        Assert.AreEqual(1.0, sm[0] + sm[1] + sm[2], 1e-12);
        Assert.AreEqual(Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), LogSumExp(x, 1).ToDoubleArray()[0], 1e-12);
    }

    [TestMethod]
    public void LogSumExpIsStableForLargeInputs()
    {
        var x = Tensor.FromArray(new double[] { 1000, 1000 }, 2);
        Assert.AreEqual(1000 + Math.Log(2), LogSumExp(x).Item(), 1e-9);
        var sm = Softmax(Tensor.FromArray(new float[] { 1000, 0 }, 2), 0).ToFloatArray();
        Assert.AreEqual(1f, sm[0]);
        Assert.AreEqual(0f, sm[1]);
        Assert.AreEqual(100.0, Softplus(Tensor.Scalar(100.0)).Item(), 1e-12);
    }
}
