using Tracer.Compiler;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>cumsum and argsort (ops-shape family): shape rules, reference values computed by hand, and misuse.</summary>
[TestClass]
public sealed class SequenceReferenceTests
{
    // x = [[[0,1,2],[3,4,5]], [[6,7,8],[9,10,11]]] : [2,2,3]
    private static readonly double[] Iota12 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    [TestMethod]
    [DataRow(0, false, new[] { 0.0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16 })]
    [DataRow(1, false, new[] { 0.0, 1, 2, 3, 5, 7, 6, 7, 8, 15, 17, 19 })]
    [DataRow(2, false, new[] { 0.0, 1, 3, 3, 7, 12, 6, 13, 21, 9, 19, 30 })]
    [DataRow(2, true, new[] { 3.0, 3, 2, 12, 9, 5, 21, 15, 8, 30, 21, 11 })]
    [DataRow(0, true, new[] { 6.0, 8, 10, 12, 14, 16, 6, 7, 8, 9, 10, 11 })]
    public void CumSumIsARunningSum(int axis, bool reverse, double[] expected)
    {
        var attrs = new Attrs { Axis = axis, Reverse = reverse };
        var (type, data) = Eval(OpCode.CumSum, attrs, H(Iota12, 2, 2, 3));
        Assert.AreEqual("f64[2,2,3]", type.ToString());
        AreClose(expected, data);
        var ints = (int[])Eval(OpCode.CumSum, attrs, H(Array.ConvertAll(Iota12, v => (int)v), 2, 2, 3)).Data;
        CollectionAssert.AreEqual(Array.ConvertAll(expected, v => (int)v), ints);
    }

    [TestMethod]
    public void CumSumOfInt32WrapsAndF32RoundsOnce()
    {
        CollectionAssert.AreEqual(new[] { int.MaxValue, int.MinValue }, (int[])Eval(OpCode.CumSum, new Attrs(), H(new[] { int.MaxValue, 1 }, 2)).Data);
        // 1e8 + 1 + 1 + ... in f32 steps would stay at 1e8; a double accumulator reaches 1e8 + 4.
        var data = (float[])Eval(OpCode.CumSum, new Attrs(), H(new[] { 1e8f, 1, 1, 1, 1 }, 5)).Data;
        Assert.AreEqual((float)(1e8 + 4), data[4]);
    }

    [TestMethod]
    public void ArgSortIsStableWithNaNLast()
    {
        var x = new[] { 3.0, double.NaN, 1, 3, -0.0, 0, double.NegativeInfinity };
        var up = (int[])Eval(OpCode.ArgSort, new Attrs(), H(x, 7)).Data;
        CollectionAssert.AreEqual(new[] { 6, 4, 5, 2, 0, 3, 1 }, up);
        var down = (int[])Eval(OpCode.ArgSort, new Attrs { Reverse = true }, H(x, 7)).Data;
        CollectionAssert.AreEqual(new[] { 1, 0, 3, 2, 4, 5, 6 }, down);
    }

    [TestMethod]
    public void ArgSortAlongAMiddleAxis()
    {
        // [2,3,2]: sort along axis 1 each of the four lines (o, i).
        var x = new[] { 5, 1, 2, 1, 5, 0, /* second block */ 0, 0, 0, 9, -1, 0 };
        var (type, data) = Eval(OpCode.ArgSort, new Attrs { Axis = 1 }, H(x, 2, 3, 2));
        Assert.AreEqual("i32[2,3,2]", type.ToString());
        // line (0,0): 5,2,5 -> 1,0,2; line (0,1): 1,1,0 -> 2,0,1; line (1,0): 0,0,-1 -> 2,0,1; line (1,1): 0,9,0 -> 0,2,1
        CollectionAssert.AreEqual(new[] { 1, 2, 0, 0, 2, 1, 2, 0, 0, 2, 1, 1 }, (int[])data);
    }

    [TestMethod]
    public void ShapeRules()
    {
        Assert.AreEqual("i32[2,3]", Infer(OpCode.CumSum, new Attrs { Axis = 1 }, I32(2, 3)).ToString());
        Assert.AreEqual("f32[4]", Infer(OpCode.CumSum, new Attrs { Reverse = true }, F32(4)).ToString());
        Assert.AreEqual("i32[4,2]", Infer(OpCode.ArgSort, new Attrs { Axis = 0 }, F64(4, 2)).ToString());
    }

    [TestMethod]
    public void MisuseNamesTheOpAndTheType()
    {
        var e1 = Assert.ThrowsExactly<ArgumentException>(() => Infer(OpCode.CumSum, new Attrs(), B(3)));
        StringAssert.Contains(e1.Message, "cumsum: expects a float or i32 tensor, got bool[3]");
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => Infer(OpCode.ArgSort, new Attrs { Axis = 2 }, F32(3, 4)));
        StringAssert.Contains(e2.Message, "argsort: axis 2 is out of range for rank 2");
        var e3 = Assert.ThrowsExactly<ArgumentException>(() => Infer(OpCode.CumSum, new Attrs(), F32()));
        StringAssert.Contains(e3.Message, "cumsum:");
    }

    [TestMethod]
    public void PrintedAttributes()
    {
        Assert.AreEqual("[axis=1 reverse=True]", new Attrs { Axis = 1, Reverse = true }.Format(OpCode.CumSum));
        Assert.AreEqual("[dimension=0 descending=False]", new Attrs().Format(OpCode.ArgSort));
        Assert.AreNotEqual(new Attrs { Reverse = true }, new Attrs(), "reverse is part of an equation's identity (CSE must not merge)");
    }
}
