using Tracer.Compiler;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Reference implementations of reductions, data movement and matmul against hand-computed values.</summary>
[TestClass]
public sealed class StructuralReferenceTests
{
    // x = [[[0,1,2],[3,4,5]], [[6,7,8],[9,10,11]]] : [2,2,3]
    private static readonly double[] Iota12 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    private static Attrs Axes(params int[] axes) => new() { Axes = axes };

    [TestMethod]
    [DataRow(OpCode.ReduceSum, new[] { 0 }, new[] { 6.0, 8, 10, 12, 14, 16 })]
    [DataRow(OpCode.ReduceSum, new[] { 1 }, new[] { 3.0, 5, 7, 15, 17, 19 })]
    [DataRow(OpCode.ReduceSum, new[] { 0, 2 }, new[] { 24.0, 42 })]
    [DataRow(OpCode.ReduceSum, new[] { 0, 1, 2 }, new[] { 66.0 })]
    [DataRow(OpCode.ReduceMax, new[] { 2 }, new[] { 2.0, 5, 8, 11 })]
    [DataRow(OpCode.ReduceMin, new[] { 0, 1 }, new[] { 0.0, 1, 2 })]
    [DataRow(OpCode.ReduceProd, new[] { 2 }, new[] { 0.0, 60, 336, 990 })]
    public void Reductions(OpCode op, int[] axes, double[] expected)
    {
        AreClose(expected, Eval(op, Axes(axes), H(Iota12, 2, 2, 3)).Data);
        var asInt = Array.ConvertAll(Iota12, v => (int)v);
        CollectionAssert.AreEqual(Array.ConvertAll(expected, v => (int)v), (int[])Eval(op, Axes(axes), H(asInt, 2, 2, 3)).Data);
    }

    [TestMethod]
    public void ReductionsOverEmptyAxesGiveTheIdentity()
    {
        var empty = H(Array.Empty<double>(), 2, 0);
        AreClose([0, 0], Eval(OpCode.ReduceSum, Axes(1), empty).Data);
        AreClose([1, 1], Eval(OpCode.ReduceProd, Axes(1), empty).Data);
        AreClose([double.NegativeInfinity, double.NegativeInfinity], Eval(OpCode.ReduceMax, Axes(1), empty).Data);
        CollectionAssert.AreEqual(new[] { int.MaxValue }, (int[])Eval(OpCode.ReduceMin, Axes(0), H(Array.Empty<int>(), 0)).Data);
    }

    [TestMethod]
    public void ReshapeKeepsRowMajorOrder()
    {
        var (type, data) = Eval(OpCode.Reshape, new Attrs { Shape = new Shape(3, 4) }, H(Iota12, 2, 2, 3));
        Assert.AreEqual("f64[3,4]", type.ToString());
        AreClose(Iota12, data);
    }

    [TestMethod]
    public void TransposeMovesAxes()
    {
        // out[k,i,j] = x[i,j,k] with perm (2,0,1): out shape [3,2,2]
        var (type, data) = Eval(OpCode.Transpose, new Attrs { Perm = [2, 0, 1] }, H(Iota12, 2, 2, 3));
        Assert.AreEqual("f64[3,2,2]", type.ToString());
        AreClose([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11], data);
        CollectionAssert.AreEqual(new[] { true, false, true, false },
            (bool[])Eval(OpCode.Transpose, new Attrs { Perm = [1, 0] }, H(new[] { true, true, false, false }, 2, 2)).Data);
    }

    [TestMethod]
    public void BroadcastRepeatsSizeOneAndLeadingAxes()
    {
        var (type, data) = Eval(OpCode.Broadcast, new Attrs { Shape = new Shape(2, 2, 3) }, H(new[] { 1, 2 }, 2, 1));
        Assert.AreEqual("i32[2,2,3]", type.ToString());
        CollectionAssert.AreEqual(new[] { 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2 }, (int[])data);
        CollectionAssert.AreEqual(new[] { 7f, 7f, 7f }, (float[])Eval(OpCode.Broadcast, new Attrs { Shape = new Shape(3) }, H(new[] { 7f })).Data);
    }

    [TestMethod]
    public void SliceTakesAWindow()
    {
        var (type, data) = Eval(OpCode.Slice, new Attrs { Starts = [1, 0, 1], Ends = [2, 2, 3] }, H(Iota12, 2, 2, 3));
        Assert.AreEqual("f64[1,2,2]", type.ToString());
        AreClose([7, 8, 10, 11], data);
        Assert.AreEqual(0, Eval(OpCode.Slice, new Attrs { Starts = [2], Ends = [2] }, H(new[] { 1, 2, 3 }, 3)).Data.Length);
    }

    [TestMethod]
    public void PadSurroundsWithZeros()
    {
        var (type, data) = Eval(OpCode.Pad, new Attrs { Starts = [1, 0], Ends = [0, 2] }, H(new[] { 1f, 2, 3, 4 }, 2, 2));
        Assert.AreEqual("f32[3,4]", type.ToString());
        CollectionAssert.AreEqual(new[] { 0f, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0 }, (float[])data);
    }

    [TestMethod]
    public void ConcatenateAlongEachAxis()
    {
        var a = H(new[] { 1, 2, 3, 4 }, 2, 2);
        var b = H(new[] { 5, 6 }, 2, 1);
        var (type, data) = Eval(OpCode.Concat, new Attrs { Axis = 1 }, a, b, a);
        Assert.AreEqual("i32[2,5]", type.ToString());
        CollectionAssert.AreEqual(new[] { 1, 2, 5, 1, 2, 3, 4, 6, 3, 4 }, (int[])data);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 9, 9 },
            (int[])Eval(OpCode.Concat, new Attrs { Axis = 0 }, a, H(new[] { 9, 9 }, 1, 2)).Data);
    }

    [TestMethod]
    public void GatherIsNumPyTake()
    {
        // x: [2,2,3]; take indices [[2,0],[2,2]] along axis 2 -> [2,2,2,2]
        var (type, data) = Eval(OpCode.Gather, new Attrs { Axis = 2 }, H(Iota12, 2, 2, 3), H(new[] { 2, 0, 2, 2 }, 2, 2));
        Assert.AreEqual("f64[2,2,2,2]", type.ToString());
        AreClose([2, 0, 2, 2, 5, 3, 5, 5, 8, 6, 8, 8, 11, 9, 11, 11], data);
        // axis 0 with a scalar index drops the axis
        var (t0, d0) = Eval(OpCode.Gather, new Attrs { Axis = 0 }, H(Iota12, 2, 2, 3), H(new[] { 1 }));
        Assert.AreEqual("f64[2,3]", t0.ToString());
        AreClose([6, 7, 8, 9, 10, 11], d0);
    }

    [TestMethod]
    [DataRow(3)]
    [DataRow(-1)]
    public void GatherRejectsOutOfRangeIndices(int index)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Eval(OpCode.Gather, new Attrs { Axis = 1 }, H(new[] { 1f, 2, 3, 4, 5, 6 }, 2, 3), H(new[] { 0, index }, 2)));
        StringAssert.Contains(ex.Message, $"gather: index {index} is out of range for axis 1 of size 3");
    }

    [TestMethod]
    public void ScatterAddAccumulatesDuplicates()
    {
        // target [2,3], axis 1, indices [2,0,2]: updates [2,3]
        var attrs = new Attrs { Axis = 1, Shape = new Shape(2, 3) };
        var (type, data) = Eval(OpCode.ScatterAdd, attrs, H(new[] { 1.0, 2, 3, 10, 20, 30 }, 2, 3), H(new[] { 2, 0, 2 }, 3));
        Assert.AreEqual("f64[2,3]", type.ToString());
        AreClose([2, 0, 4, 20, 0, 40], data);
        CollectionAssert.AreEqual(new[] { 0, 5 },
            (int[])Eval(OpCode.ScatterAdd, new Attrs { Axis = 0, Shape = new Shape(2) }, H(new[] { 2, 3 }, 2), H(new[] { 1, 1 }, 2)).Data);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Eval(OpCode.ScatterAdd, new Attrs { Axis = 0, Shape = new Shape(2) }, H(new[] { 2, 3 }, 2), H(new[] { 1, 2 }, 2)));
        StringAssert.Contains(ex.Message, "scatter_add: index 2 is out of range");
    }

    [TestMethod]
    public void MatMul2D()
    {
        var (type, data) = Eval(OpCode.MatMul, Attrs.None, H(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3), H(new[] { 1.0, 0, 0, 1, 1, 1 }, 3, 2));
        Assert.AreEqual("f64[2,2]", type.ToString());
        AreClose([4, 5, 10, 11], data);
        CollectionAssert.AreEqual(new[] { 4, 5, 10, 11 },
            (int[])Eval(OpCode.MatMul, H(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3), H(new[] { 1, 0, 0, 1, 1, 1 }, 3, 2)));
    }

    [TestMethod]
    public void MatMulBroadcastsBatchAxes()
    {
        // a: [2,1,1,2] (two row vectors), b: [3,2,1] (three column vectors) -> [2,3,1,1] = dot products
        var a = H(new[] { 1f, 2, 3, 4 }, 2, 1, 1, 2);
        var b = H(new[] { 1f, 0, 0, 1, 1, 1 }, 3, 2, 1);
        var (type, data) = Eval(OpCode.MatMul, Attrs.None, a, b);
        Assert.AreEqual("f32[2,3,1,1]", type.ToString());
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 3, 4, 7 }, (float[])data);
    }
}
