using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

/// <summary>The bitwise and logical primitives in exported ONNX models, run by ONNX Runtime.</summary>
[TestClass]
public sealed class OnnxBitwiseTests
{
    [TestMethod]
    public void LogicalAndBitwiseOpsRunInOnnxRuntime()
    {
        var a = Tensor.FromArray(new[] { 0x0F0F_00FF, -1, int.MinValue, 6 }, 4);
        var b = Tensor.FromArray(new[] { 0x00FF_0F0F, 0x1234, -1, 3 }, 4);
        Func<Tensor, Tensor, Tensor> f = (x, y) => Stack(0, BitwiseAnd(x, y), BitwiseOr(x, y), BitwiseXor(x, y), BitwiseNot(x),
            Cast(LogicalXor(LogicalAnd(Greater(x, 0), Less(y, 100)), LogicalNot(LogicalOr(Equal(x, 6), Equal(y, -1)))), DType.Int32));
        string file = TempFile("bitwise.onnx");
        Tracer.Onnx.Export(f, file, a, b);
        var (values, shape) = Run(file, ("input0", a), ("input1", b))[0];
        CollectionAssert.AreEqual(new[] { 5, 4 }, shape);
        CollectionAssert.AreEqual(Array.ConvertAll(f(a, b).ToInt32Array(), v => (double)v), values);
    }

    [TestMethod]
    public void ShiftsAreAClearExportError()
    {
        var x = Tensor.FromArray(new[] { 1, 2 }, 2);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => Tracer.Onnx.Export((Tensor v) => ShiftLeft(v, 3), TempFile("shift.onnx"), x));
        StringAssert.Contains(e.Message, "shift_left");
    }
}
