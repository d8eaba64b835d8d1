using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class ErrorTests
{
    private static void Contains(Exception e, params string[] parts)
    {
        foreach (var p in parts) StringAssert.Contains(e.Message, p, $"message was: {e.Message}");
    }

    [TestMethod]
    public void BroadcastErrorNamesOpAndBothShapesEagerAndTraced()
    {
        var a = Tensor.Zeros(DType.Float32, 3);
        var b = Tensor.Zeros(DType.Float32, 4);
        Contains(Assert.ThrowsExactly<ArgumentException>(() => a + b), "add", "[3]", "[4]");
        var f = Jit.Compile((Tensor x, Tensor y) => x * y);
        Contains(Assert.ThrowsExactly<ArgumentException>(() => f(a, b)), "mul", "[3]", "[4]");
        // The same delegate works afterwards.
        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, f(a, a).ToFloatArray());
    }

    [TestMethod]
    public void MatMulErrorNamesBothShapes()
    {
        var a = Tensor.Zeros(DType.Float32, 2, 3);
        var b = Tensor.Zeros(DType.Float32, 4, 5);
        Contains(Assert.ThrowsExactly<ArgumentException>(() => MatMul(a, b)), "matmul", "[2,3]", "[4,5]");
        Contains(Assert.ThrowsExactly<ArgumentException>(() => Jit.Compile((Tensor x) => MatMul(x, b))(a)), "matmul", "[2,3]", "[4,5]");
    }

    [TestMethod]
    public void LossMustBeOneFloatElement()
    {
        var x = Tensor.Zeros(DType.Float32, 3);
        var g = Jit.Grad((Tensor t) => Sin(t));
        Contains(Assert.ThrowsExactly<ArgumentException>(() => g(x)), "one element", "f32[3]", "Sum");
        var gi = Jit.Grad((Tensor t) => Cast(Sum(t), DType.Int32));
        Contains(Assert.ThrowsExactly<ArgumentException>(() => gi(x)), "i32");
    }

    [TestMethod]
    public void GradientWithRespectToIntegersIsRefused()
    {
        var g = Jit.Grad((Tensor t) => Sum(Cast(t, DType.Float32)));
        Contains(Assert.ThrowsExactly<ArgumentException>(() => g(Tensor.FromArray(new[] { 1, 2 }, 2))), "i32");
    }

    [TestMethod]
    public void EscapedTracerSaysItIsFromAFinishedTrace()
    {
        Tensor? leaked = null;
        var f = Jit.Compile((Tensor t) =>
        {
            leaked = t * 2.0;
            return t;
        });
        f(Tensor.Zeros(DType.Float32, 2));
        Assert.IsNotNull(leaked);
        Contains(Assert.ThrowsExactly<InvalidOperationException>(() => leaked + 1.0), "finished trace");
        Contains(Assert.ThrowsExactly<InvalidOperationException>(() => leaked.ToFloatArray()), "finished trace");
        var g = Jit.Compile((Tensor t) => t + leaked);
        Contains(Assert.ThrowsExactly<InvalidOperationException>(() => g(Tensor.Zeros(DType.Float32, 2))), "finished trace");
    }

    [TestMethod]
    public void UserExceptionPropagatesUnchangedAndCachesNothing()
    {
        bool fail = true;
        var f = Jit.Grad((Tensor t) =>
        {
            if (fail) throw new FormatException("boom from user code");
            return Sum(t * t);
        });
        var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        var e = Assert.ThrowsExactly<FormatException>(() => f(x));
        Assert.AreEqual("boom from user code", e.Message);
        fail = false;
        CollectionAssert.AreEqual(new float[] { 2, 4 }, f(x).ToFloatArray());
    }

    [TestMethod]
    public void ItemNeedsExactlyOneElement()
    {
        Contains(Assert.ThrowsExactly<InvalidOperationException>(() => Tensor.Zeros(DType.Float32, 2, 2).Item()), "Item()", "f32[2,2]");
        Assert.AreEqual(3.0, Tensor.Full(DType.Float64, 3, 1, 1).Item());
    }

    [TestMethod]
    public void BadReshapeNamesBothShapes()
    {
        var x = Tensor.Zeros(DType.Float32, 2, 3);
        Contains(Assert.ThrowsExactly<ArgumentException>(() => Reshape(x, 4, 2)), "Reshape", "[2,3]", "[4,2]");
        Contains(Assert.ThrowsExactly<ArgumentException>(() => Reshape(x, -1, 4)), "Reshape", "[2,3]");
    }

    [TestMethod]
    public void DataLengthMustMatchShape()
    {
        Contains(Assert.ThrowsExactly<ArgumentException>(() => Tensor.FromArray(new float[] { 1, 2, 3 }, 2, 2)), "3 values", "[2,2]");
    }

    [TestMethod]
    public void ShapeErrorsInsideGradLeaveTheDelegateUsable()
    {
        var b = Tensor.Zeros(DType.Float64, 4);
        var g = Jit.Grad((Tensor t) => Sum(t + b));
        Contains(Assert.ThrowsExactly<ArgumentException>(() => g(Tensor.Zeros(DType.Float64, 3))), "add", "[3]", "[4]");
        CollectionAssert.AreEqual(new double[] { 1, 1, 1, 1 }, g(Tensor.Zeros(DType.Float64, 4)).ToDoubleArray());
    }

    [TestMethod]
    public void UnsupportedTreeTypeIsNamed()
    {
        var g = Jit.Grad((System.Text.StringBuilder s) => Tensor.Scalar(1f));
        Contains(Assert.ThrowsExactly<NotSupportedException>(() => g(new System.Text.StringBuilder())), "System.Text.StringBuilder");
    }
}
