using static Tracer.Ops;

namespace Tracer.Tests.ShapeOps;

/// <summary>
/// Conventions of the cumulative, sorting, shape and indexing operations that the table tests do not pin down:
/// tie and NaN rules, exact gradients at zeros and ties, integer dtypes, factories, and the messages of misuse.
/// </summary>
[TestClass]
public sealed class ShapeOpsBehaviourTests
{
    private static Tensor V(params double[] values) => Tensor.FromArray(values, values.Length);

    [TestMethod]
    public void CumMaxAndCumMinSendTheGradientToTheFirstOccurrence()
    {
        var x = V(1, 3, 2, 3, 5, 5);
        CollectionAssert.AreEqual(new double[] { 1, 3, 3, 3, 5, 5 }, CumMax(x, 0).ToDoubleArray());
        // Running maxima 1 | 3 3 3 (first 3 at position 1) | 5 5 (first 5 at position 4).
        CollectionAssert.AreEqual(new double[] { 1, 3, 0, 0, 2, 0 }, Jit.Grad((Tensor t) => Sum(CumMax(t, 0)))(x).ToDoubleArray());
        // Scanning from the end, "first" is the last position: every running maximum is the 5 at position 5.
        CollectionAssert.AreEqual(new double[] { 0, 0, 0, 0, 0, 6 }, Jit.Grad((Tensor t) => Sum(CumMax(t, 0, reverse: true)))(x).ToDoubleArray());
        var y = V(2, 1, 1, 4, 0);
        CollectionAssert.AreEqual(new double[] { 2, 1, 1, 1, 0 }, CumMin(y, 0).ToDoubleArray());
        CollectionAssert.AreEqual(new double[] { 1, 3, 0, 0, 1 }, Jit.Grad((Tensor t) => Sum(CumMin(t, 0)))(y).ToDoubleArray());
    }

    [TestMethod]
    public void CumMaxPropagatesNaN()
    {
        var r = CumMax(V(1, double.NaN, 3), 0).ToDoubleArray();
        Assert.AreEqual(1, r[0]);
        Assert.IsTrue(double.IsNaN(r[1]) && double.IsNaN(r[2]), string.Join(", ", r));
    }

    [TestMethod]
    public void CumProdGradientIsExactWithZeros()
    {
        // y = [2, 0, 0, 0, 0]; d Σy / dx1 = x0 + x0·x2 = 2 + 6 (the terms after the second zero vanish).
        var x = V(2, 0, 3, 0, 4);
        Func<Tensor, Tensor> f = t => Sum(CumProd(t, 0));
        CollectionAssert.AreEqual(new double[] { 1, 8, 0, 0, 0 }, Jit.Grad(f)(x).ToDoubleArray());
        // Second order at the zeros: the Hessian of this polynomial, row 1, by hand: ∂²/∂x1∂x0 = 1 + x2 = 4,
        // ∂²/∂x1∂x2 = x0 = 2, ∂²/∂x1∂x3 = x0·x2 + x0·x2·x4 = 30 (from y3 and y4), ∂²/∂x1∂x4 = x0·x2·x3 = 0,
        // ∂²/∂x1² = 0.
        var h = Jit.Hessian(f)(x).ToDoubleArray();
        CollectionAssert.AreEqual(new double[] { 4, 0, 2, 30, 0 }, h[5..10]);
    }

    [TestMethod]
    public void CumSumOfIntegersAndBools()
    {
        var i = CumSum(Tensor.FromArray(new[] { 1, 2, 3 }, 3), 0);
        Assert.AreEqual(DType.Int32, i.DType);
        CollectionAssert.AreEqual(new[] { 1, 3, 6 }, i.ToInt32Array());
        var b = CumSum(Tensor.FromArray(new[] { true, false, true }, 3), 0, reverse: true);
        CollectionAssert.AreEqual(new[] { 2, 1, 1 }, b.ToInt32Array());
        CollectionAssert.AreEqual(new[] { 1, 2, 6 }, CumProd(Tensor.FromArray(new[] { 1, 2, 3 }, 3), 0).ToInt32Array());
        var e = Assert.ThrowsExactly<ArgumentException>(() => LogCumSumExp(Tensor.FromArray(new[] { 1, 2 }, 2), 0));
        StringAssert.Contains(e.Message, "LogCumSumExp: expects a float tensor, got i32[2]");
    }

    [TestMethod]
    public void LogCumSumExpIsStableAtBothEnds()
    {
        var r = LogCumSumExp(V(-1000, -1000, 1000, 1000), 0).ToDoubleArray();
        Assert.AreEqual(-1000 + Math.Log(1), r[0], 1e-9);
        Assert.AreEqual(-1000 + Math.Log(2), r[1], 1e-9);
        Assert.AreEqual(1000, r[2], 1e-9);
        Assert.AreEqual(1000 + Math.Log(2), r[3], 1e-9);
        var withInf = LogCumSumExp(V(double.NegativeInfinity, 0), 0).ToDoubleArray();
        Assert.AreEqual(double.NegativeInfinity, withInf[0]);
        Assert.AreEqual(0, withInf[1], 1e-12);
    }

    [TestMethod]
    public void SortIsStableWithNaNLastAndItsGradientFollowsThePermutation()
    {
        var x = V(3, double.NaN, 1, 3, 2);
        var sorted = Sort(x).ToDoubleArray();
        CollectionAssert.AreEqual(new double[] { 1, 2, 3, 3 }, sorted[..4]);
        Assert.IsTrue(double.IsNaN(sorted[4]));
        CollectionAssert.AreEqual(new[] { 2, 4, 0, 3, 1 }, ArgSort(x).ToInt32Array());
        CollectionAssert.AreEqual(new[] { 1, 0, 3, 4, 2 }, ArgSort(x, descending: true).ToInt32Array());
        // Position k of the sorted vector is weighted by k: each input gets the weight of where it went.
        var w = V(0, 1, 2, 3, 4);
        var g = Jit.Grad((Tensor t) => Sum(Sort(t) * w))(V(3, 0, 1, 3, 2));
        CollectionAssert.AreEqual(new double[] { 3, 0, 1, 4, 2 }, g.ToDoubleArray());
    }

    [TestMethod]
    public void SortOfIntegersAndAlongAnAxis()
    {
        var m = Tensor.FromArray(new[] { 3, 1, 2, 0, 5, 4 }, 2, 3);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 0, 4, 5 }, Sort(m).ToInt32Array());
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 5, 4 }, Sort(m, 0).ToInt32Array());
        CollectionAssert.AreEqual(new[] { 1, 0, 0, 0, 1, 1 }, ArgSort(m, 0).ToInt32Array());
    }

    [TestMethod]
    public void TopKIsLargestFirstWithEqualValuesInOrder()
    {
        var (values, indices) = TopK(Tensor.FromArray(new[] { 1f, 5, 3, 5, 2, 3 }, 2, 3), 2);
        Assert.AreEqual("f32[2,2]", values.Type.ToString());
        CollectionAssert.AreEqual(new[] { 5f, 3, 5, 3 }, values.ToFloatArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 0, 2 }, indices.ToInt32Array());
        Assert.AreEqual(DType.Int32, indices.DType);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TopK(V(1, 2), 3));
        StringAssert.Contains(e.Message, "TopK: k = 3 must be in [0, 2]");
    }

    [TestMethod]
    public void ShapeUtilitiesOnSmallExamples()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.AreEqual("f64[3,5] [[9, 9, 9, 9, 9], [1, 2, 3, 9, 9], [4, 5, 6, 9, 9]]", Pad(x, [1, 0], [0, 2], 9).ToString());
        Assert.AreEqual("f64[2,3] [[6, 5, 4], [3, 2, 1]]", Flip(x).ToString());
        Assert.AreEqual("f64[2,3] [[3, 2, 1], [6, 5, 4]]", Flip(x, -1).ToString());
        Assert.AreEqual("f64[1,2,6] [[[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]]", Tile(x, 1, 1, 2).ToString());
        Assert.AreEqual("f64[4,3] [[1, 2, 3], [4, 5, 6], [1, 2, 3], [4, 5, 6]]", Tile(x, 2, 1).ToString());
        Assert.AreEqual("f64[2,6] [[1, 1, 2, 2, 3, 3], [4, 4, 5, 5, 6, 6]]", Repeat(x, 2, 1).ToString());
        Assert.AreEqual("f64[2,3] [[3, 1, 2], [6, 4, 5]]", Roll(x, 1, 1).ToString());
        Assert.AreEqual("f64[2,3] [[2, 3, 1], [5, 6, 4]]", Roll(x, -4, 1).ToString());
        var parts = Split(x, 3, 1);
        Assert.HasCount(3, parts);
        Assert.AreEqual("f64[2,1] [[2], [5]]", parts[1].ToString());
        Assert.AreEqual("f64[2,3] [[1, 0, 0], [4, 5, 0]]", Tril(x).ToString());
        Assert.AreEqual("f64[2,3] [[0, 2, 3], [0, 0, 6]]", Triu(x, 1).ToString());
        Assert.AreEqual("f64[2] [1, 5]", Diag(x).ToString());
        Assert.AreEqual("f64[2,2] [[1, 0], [0, 2]]", Diag(V(1, 2)).ToString());
        Assert.AreEqual(6, Trace(Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 3, 3) - Tensor.Eye(DType.Float64, 3) * 3.0).Item());
        Assert.AreEqual("f32[2,3] [[0, 0, 1], [0, 0, 0]]", OneHot(Tensor.FromArray(new[] { 2, 7 }, 2), 3, DType.Float32).ToString());
    }

    [TestMethod]
    public void TileWithFewerRepeatsThanAxesRepeatsTheTrailingOnes()
    {
        var x = Tensor.FromArray(new[] { 1, 2, 3, 4 }, 2, 2);
        Assert.AreEqual("i32[2,4] [[1, 2, 1, 2], [3, 4, 3, 4]]", Tile(x, 2).ToString());
        Assert.AreEqual("i32[4,2] [[1, 2], [3, 4], [1, 2], [3, 4]]", Tile(x, 2, 1).ToString());
    }

    [TestMethod]
    public void ZeroRepeatsAndEmptyAxes()
    {
        var x = Tensor.FromArray(new[] { 1f, 2, 3 }, 3);
        Assert.AreEqual("f32[0]", Repeat(x, 0, 0).Type.ToString());
        Assert.AreEqual("f32[2,0]", Tile(x, 2, 0).Type.ToString());
        Assert.AreEqual("f32[0]", Sort(Tensor.Zeros(DType.Float32, 0)).Type.ToString());
        Assert.AreEqual("f32[2,0]", CumSum(Tensor.Zeros(DType.Float32, 2, 0), 1).Type.ToString());
        Assert.AreEqual("f32[2,0]", TopK(Tensor.Zeros(DType.Float32, 2, 4), 0).Values.Type.ToString());
        Assert.AreEqual(x.Type, Roll(x, 3, 0).Type);
        CollectionAssert.AreEqual(new[] { 1f, 2, 3 }, Roll(x, -3, 0).ToFloatArray());
    }

    [TestMethod]
    public void Factories()
    {
        Assert.AreEqual("i32[5] [0, 1, 2, 3, 4]", Tensor.Arange(DType.Int32, 0, 5).ToString());
        Assert.AreEqual("f32[3] [1, 0.5, 0]", Tensor.Arange(DType.Float32, 1, -0.25, -0.5).ToString());
        Assert.AreEqual("f64[0] []", Tensor.Arange(DType.Float64, 3, 1).ToString());
        Assert.AreEqual("f64[5] [0, 0.25, 0.5, 0.75, 1]", Tensor.Linspace(DType.Float64, 0, 1, 5).ToString());
        Assert.AreEqual("f32[1] [2]", Tensor.Linspace(DType.Float32, 2, 3, 1).ToString());
        Assert.AreEqual("bool[2,2] [[true, false], [false, true]]", Tensor.Eye(DType.Bool, 2).ToString());
        var e = Assert.ThrowsExactly<ArgumentException>(() => Tensor.Arange(DType.Float32, 0, 1, 0));
        StringAssert.Contains(e.Message, "Tensor.Arange: step must be a non-zero number");
        var b = Assert.ThrowsExactly<ArgumentException>(() => Tensor.Arange(DType.Bool, 0, 1));
        StringAssert.Contains(b.Message, "Tensor.Arange: dtype bool is not supported");
    }

    [TestMethod]
    public void IndexingFollowsNumPyBasicIndexing()
    {
        var x = Tensor.FromArray(new double[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, 3, 4);
        Assert.AreEqual("f64[4] [4, 5, 6, 7]", x[1].ToString());
        Assert.AreEqual("f64[4] [8, 9, 10, 11]", x[^1].ToString());
        Assert.AreEqual("f64[2,4] [[4, 5, 6, 7], [8, 9, 10, 11]]", x[1..3].ToString());
        Assert.AreEqual("f64[3] [3, 7, 11]", x[.., ^1].ToString());
        Assert.AreEqual("f64[3] [9, 10, 11]", x[2, 1..].ToString());
        Assert.AreEqual("f64[] 6", x[1, 2].ToString());
        Assert.AreEqual("f64[0,4] []", x[2..2].ToString());
        Assert.AreEqual(x.Shape, x[..].Shape);
        // Traced too: the indexer is a slice and a reshape.
        Assert.AreEqual("f64[2] [5, 9]", Jit.Compile((Tensor t) => t[1..3, 1])(x).ToString());
    }

    [TestMethod]
    public void IndexingOutOfRangeNamesTheShapeAndTheSubscript()
    {
        var x = Tensor.Zeros(DType.Float32, 3, 4);
        var e1 = Assert.ThrowsExactly<IndexOutOfRangeException>(() => x[3]);
        StringAssert.Contains(e1.Message, "index 3 on axis 0 of f32[3,4] is out of range; the axis has 3 entries");
        var e2 = Assert.ThrowsExactly<IndexOutOfRangeException>(() => x[0, ^5]);
        StringAssert.Contains(e2.Message, "index ^5 on axis 1 of f32[3,4]");
        var e3 = Assert.ThrowsExactly<IndexOutOfRangeException>(() => x[.., 2..6]);
        StringAssert.Contains(e3.Message, "range 2..6 on axis 1 of f32[3,4] is out of range");
        var e4 = Assert.ThrowsExactly<IndexOutOfRangeException>(() => x[0, 0, 0]);
        StringAssert.Contains(e4.Message, "3 subscripts [0, 0, 0] for f32[3,4], which has only 2 axes");
        var e5 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => x[-1]);
        StringAssert.Contains(e5.Message, "-1 is negative; count from the end with ^1");
    }

    [TestMethod]
    public void TheIndexerIsNotNamedItem()
    {
        // Item() keeps its name; the indexer's metadata name is "At".
        var indexer = typeof(Tensor).GetProperties().Single(p => p.GetIndexParameters().Length > 0);
        Assert.AreEqual("At", indexer.Name);
    }

    [TestMethod]
    public void MisuseMessages()
    {
        var x = Tensor.Zeros(DType.Float32, 2, 5);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Split(x, 3, 1)).Message,
            "Split: axis 1 of f32[2,5] has 5 entries, which 3 sections cannot share equally");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Pad(x, [1], [1])).Message,
            "Pad: f32[2,5] has rank 2 but before [1] and after [1] have lengths 1 and 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Pad(x, [0, -1], [0, 0])).Message,
            "Pad: amounts must be non-negative");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Tril(V(1, 2))).Message,
            "Tril: expects a (batch of) matrices (rank 2 or more), got f64[2]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => CumSum(x, 2)).Message,
            "CumSum: axis 2 is out of range for f32[2,5]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Sort(Tensor.Scalar(1f))).Message,
            "Sort: needs at least one axis, got the scalar f32[]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OneHot(V(1), 3, DType.Float32)).Message,
            "OneHot: indices must be i32, got f64[1]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Flip(x, 1, -1)).Message,
            "Flip: axis -1 appears twice");
    }

    [TestMethod]
    public void PrintedGraphShowsThePrimitives()
    {
        var g = Jit.Trace((Tensor t) => Sort(CumSum(t, 0, reverse: true)), Tensor.Zeros(DType.Float32, 4));
        var text = g.ToString();
        StringAssert.Contains(text, "cumsum[axis=0 reverse=True]");
        StringAssert.Contains(text, "argsort[dimension=0 descending=False]");
        StringAssert.Contains(text, "gather[axis=0");
    }
}
