using Tracer.Compiler;
using Tracer.Rules;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Reference implementations of the bitwise and logical primitives against hand-computed values.</summary>
[TestClass]
public sealed class BitwiseReferenceTests
{
    private static readonly int[] A = [0x0F0F_00FF, -1, int.MinValue, 6];
    private static readonly int[] B = [0x00FF_0F0F, 0x1234, -1, 3];

    [TestMethod]
    public void IntegerAndOrXorNot()
    {
        CollectionAssert.AreEqual(new[] { 0x000F_000F, 0x1234, int.MinValue, 2 }, (int[])Eval(OpCode.BitwiseAnd, H(A, 4), H(B, 4)));
        CollectionAssert.AreEqual(new[] { 0x0FFF_0FFF, -1, -1, 7 }, (int[])Eval(OpCode.BitwiseOr, H(A, 4), H(B, 4)));
        CollectionAssert.AreEqual(new[] { 0x0FF0_0FF0, ~0x1234, int.MaxValue, 5 }, (int[])Eval(OpCode.BitwiseXor, H(A, 4), H(B, 4)));
        CollectionAssert.AreEqual(new[] { unchecked((int)0xF0F0_FF00), 0, int.MaxValue, -7 }, (int[])Eval(OpCode.BitwiseNot, H(A, 4)));
    }

    [TestMethod]
    public void BoolIsLogical()
    {
        bool[] a = [false, false, true, true], b = [false, true, false, true];
        CollectionAssert.AreEqual(new[] { false, false, false, true }, (bool[])Eval(OpCode.BitwiseAnd, H(a, 4), H(b, 4)));
        CollectionAssert.AreEqual(new[] { false, true, true, true }, (bool[])Eval(OpCode.BitwiseOr, H(a, 4), H(b, 4)));
        CollectionAssert.AreEqual(new[] { false, true, true, false }, (bool[])Eval(OpCode.BitwiseXor, H(a, 4), H(b, 4)));
        CollectionAssert.AreEqual(new[] { true, true, false, false }, (bool[])Eval(OpCode.BitwiseNot, H(a, 4)));
    }

    /// <summary>Shifts wrap (bits shifted out are lost) and amounts outside [0, 32) give 0, as in XLA.</summary>
    [TestMethod]
    public void ShiftsFollowXla()
    {
        var x = H(new[] { 1, -1, 0x4000_0001, int.MinValue, 5, 5, 5, -8 }, 8);
        var by = H(new[] { 31, 1, 1, 31, 32, 40, -1, 0 }, 8);
        CollectionAssert.AreEqual(new[] { int.MinValue, -2, unchecked((int)0x8000_0002), 0, 0, 0, 0, -8 }, (int[])Eval(OpCode.ShiftLeft, x, by));
        CollectionAssert.AreEqual(new[] { 0, int.MaxValue, 0x2000_0000, 1, 0, 0, 0, -8 }, (int[])Eval(OpCode.ShiftRightLogical, x, by));
    }

    [TestMethod]
    public void BroadcastsLikeOtherBinaryOps()
    {
        var (type, data) = Eval(OpCode.ShiftLeft, Attrs.None, H(new[] { 1, 2, 3 }, 3), H(new[] { 0, 4 }, 2, 1));
        Assert.AreEqual("i32[2,3]", type.ToString());
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 16, 32, 48 }, (int[])data);
    }

    [TestMethod]
    public void WrongDTypesAreClearErrors()
    {
        var f = new TensorType(new Shape(2), DType.Float32);
        var i = new TensorType(new Shape(2), DType.Int32);
        var b = new TensorType(new Shape(2), DType.Bool);
        var and = RuleTable.Default.Get(OpCode.BitwiseAnd);
        var e = Assert.ThrowsExactly<ArgumentException>(() => and.InferType(Attrs.None, [f, f]));
        StringAssert.Contains(e.Message, "and: expects an i32 or bool tensor, got f32[2]");
        e = Assert.ThrowsExactly<ArgumentException>(() => RuleTable.Default.Get(OpCode.ShiftLeft).InferType(Attrs.None, [b, b]));
        StringAssert.Contains(e.Message, "shift_left: expects an i32 tensor, got bool[2]");
        e = Assert.ThrowsExactly<ArgumentException>(() => and.InferType(Attrs.None, [i, b]));
        StringAssert.Contains(e.Message, "dtypes i32 and bool differ");
    }

    [TestMethod]
    public void NoGradient()
    {
        foreach (var op in new[] { OpCode.BitwiseAnd, OpCode.BitwiseOr, OpCode.BitwiseXor, OpCode.BitwiseNot, OpCode.ShiftLeft, OpCode.ShiftRightLogical })
            Assert.IsTrue(RuleTable.Default.Get(op).IsNonDifferentiable, op.Name());
    }
}
