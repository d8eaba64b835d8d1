using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>The bitwise and logical front-end operations: eager, traced, compiled and vmapped agree; errors name the op.</summary>
[TestClass]
public sealed class BitwiseOpsTests
{
    private static readonly Tensor X = Tensor.FromArray(new[] { 0x0F0F_00FF, -1, int.MinValue, 6, 1, 5 }, 2, 3);
    private static readonly Tensor Y = Tensor.FromArray(new[] { 0x00FF_0F0F, 0x1234, -1, 3, 31, 33 }, 2, 3);

    /// <summary>Every integer operation in one function, so eager and compiled runs can be compared.</summary>
    private static Tensor AllInt(Tensor x, Tensor y) => Stack(0,
        BitwiseAnd(x, y), BitwiseOr(x, y), BitwiseXor(x, y), BitwiseNot(x),
        ShiftLeft(x, y), ShiftRightLogical(x, y), BitwiseAnd(x, 0xFF), ShiftLeft(x, 4), ShiftRightLogical(x, 28));

    [TestMethod]
    public void EagerValues()
    {
        CollectionAssert.AreEqual(new[] { 0x000F_000F, 0x1234, int.MinValue, 2, 1, 1 }, BitwiseAnd(X, Y).ToInt32Array());
        CollectionAssert.AreEqual(new[] { unchecked((int)0xF0F0_FF00), 0, int.MaxValue, -7, -2, -6 }, BitwiseNot(X).ToInt32Array());
        // 1 << 31 wraps to int.MinValue; amounts of 32 and more give 0 (XLA), not the amount modulo 32 (C#).
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 48, int.MinValue, 0 }, ShiftLeft(X, Y).ToInt32Array());
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 0, 0, 0 }, ShiftRightLogical(X, Y).ToInt32Array());
        CollectionAssert.AreEqual(new[] { 0, 15, 8, 0, 0, 0 }, ShiftRightLogical(X, 28).ToInt32Array());
    }

    [TestMethod]
    public void CompiledAndVmappedMatchEager()
    {
        var eager = AllInt(X, Y).ToInt32Array();
        CollectionAssert.AreEqual(eager, Jit.Compile<Tensor, Tensor, Tensor>(AllInt)(X, Y).ToInt32Array());
        var mapped = Jit.Vmap<Tensor, Tensor, Tensor>(AllInt, [0, 0], outAxis: 1)(X, Y);
        CollectionAssert.AreEqual(eager, mapped.ToInt32Array());
    }

    [TestMethod]
    public void LogicalOps()
    {
        var a = Tensor.FromArray(new[] { false, false, true, true }, 4);
        var b = Tensor.FromArray(new[] { false, true, false, true }, 4);
        Func<Tensor, Tensor, Tensor> all = (p, q) => Stack(0, LogicalAnd(p, q), LogicalOr(p, q), LogicalXor(p, q), LogicalNot(p));
        bool[] expected = [false, false, false, true, false, true, true, true, false, true, true, false, true, true, false, false];
        CollectionAssert.AreEqual(expected, all(a, b).ToBoolArray());
        CollectionAssert.AreEqual(expected, Jit.Compile(all)(a, b).ToBoolArray());
        // Logical ops combine comparisons, e.g. a range mask.
        var x = Tensor.FromArray(new[] { -2.0, 0.5, 3 }, 3);
        var inRange = Jit.Compile((Tensor v) => LogicalAnd(Greater(v, 0.0), Less(v, 1.0)));
        CollectionAssert.AreEqual(new[] { false, true, false }, inRange(x).ToBoolArray());
    }

    [TestMethod]
    public void WrongDTypesNameTheOperation()
    {
        var f = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var e = Assert.ThrowsExactly<ArgumentException>(() => BitwiseAnd(f, f));
        StringAssert.Contains(e.Message, "BitwiseAnd: 'a' must be i32, got f32[2]");
        e = Assert.ThrowsExactly<ArgumentException>(() => LogicalNot(X));
        StringAssert.Contains(e.Message, "LogicalNot: 'x' must be bool, got i32[2,3]");
    }

    [TestMethod]
    public void NoGradientFlowsThroughIntegerBits()
    {
        // A float function that uses bits of an integer computed from it: the gradient is the float path's only.
        var g = Jit.Grad((Tensor v) => Sum(v * Cast(BitwiseAnd(Cast(v, DType.Int32), 1), DType.Float64)));
        CollectionAssert.AreEqual(new[] { 1.0, 0.0, 1.0 }, g(Tensor.FromArray(new[] { 3.0, 4.0, 5.0 }, 3)).ToDoubleArray());
    }
}
