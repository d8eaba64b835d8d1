using Tracer.Compiler;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Reference implementations of the elementwise primitives against hand-computed values.</summary>
[TestClass]
public sealed class ElementwiseReferenceTests
{
    private static readonly double[] X = [-1.5, -0.25, 0.5, 2];

    [TestMethod]
    [DataRow(OpCode.Neg, new[] { 1.5, 0.25, -0.5, -2 })]
    [DataRow(OpCode.Abs, new[] { 1.5, 0.25, 0.5, 2 })]
    [DataRow(OpCode.Sign, new[] { -1.0, -1, 1, 1 })]
    [DataRow(OpCode.Exp, new[] { 0.22313016014842982, 0.7788007830714049, 1.6487212707001282, 7.38905609893065 })]
    [DataRow(OpCode.Sin, new[] { -0.9974949866040544, -0.24740395925452294, 0.479425538604203, 0.9092974268256817 })]
    [DataRow(OpCode.Cos, new[] { 0.0707372016677029, 0.9689124217106447, 0.8775825618903728, -0.4161468365471424 })]
    [DataRow(OpCode.Tan, new[] { -14.101419947171719, -0.25534192122103627, 0.5463024898437905, -2.185039863261519 })]
    [DataRow(OpCode.Tanh, new[] { -0.9051482536448664, -0.24491866240370913, 0.46211715726000974, 0.9640275800758169 })]
    [DataRow(OpCode.Logistic, new[] { 0.18242552380635635, 0.43782349911420193, 0.6224593312018546, 0.8807970779778823 })]
    [DataRow(OpCode.Expm1, new[] { -0.7768698398515702, -0.22119921692859512, 0.6487212707001282, 6.38905609893065 })]
    public void UnaryOnAnySign(OpCode op, double[] expected) =>
        AreClose(expected, Eval(op, H(X, 4)), 1e-14);

    [TestMethod]
    [DataRow(OpCode.Log, new[] { -1.3862943611198906, 0, 0.6931471805599453 })]
    [DataRow(OpCode.Log1p, new[] { 0.22314355131420976, 0.6931471805599453, 1.0986122886681098 })]
    [DataRow(OpCode.Sqrt, new[] { 0.5, 1, 1.4142135623730951 })]
    [DataRow(OpCode.Rsqrt, new[] { 2, 1, 0.7071067811865475 })]
    public void UnaryOnPositives(OpCode op, double[] expected) =>
        AreClose(expected, Eval(op, H(new[] { 0.25, 1, 2 }, 3)), 1e-14);

    [TestMethod]
    public void Log1pAndExpm1AreAccurateNearZero()
    {
        AreClose([1e-20, 9.999999995e-11], Eval(OpCode.Log1p, H(new[] { 1e-20, 1e-10 }, 2)), 1e-15);
        AreClose([1e-20, 1.00000000005e-10], Eval(OpCode.Expm1, H(new[] { 1e-20, 1e-10 }, 2)), 1e-15);
    }

    [TestMethod]
    public void Float32IsComputedInDoubleAndRounded()
    {
        var r = (float[])Eval(OpCode.Sin, H(new[] { 0.5f, 2f }, 2));
        CollectionAssert.AreEqual(new[] { (float)Math.Sin(0.5), (float)Math.Sin(2) }, r);
        var s = (float[])Eval(OpCode.Add, H(new[] { 0.1f }, 1), H(new[] { 0.2f }, 1));
        Assert.AreEqual(0.1f + 0.2f, s[0]);
    }

    [TestMethod]
    public void SignKeepsZeroAndNaN() =>
        AreClose([0, double.NaN, 1], Eval(OpCode.Sign, H(new[] { 0.0, double.NaN, 3 }, 3)));

    [TestMethod]
    public void IntegerUnary()
    {
        var x = H(new[] { -3, 0, 7, int.MinValue }, 4);
        CollectionAssert.AreEqual(new[] { 3, 0, -7, int.MinValue }, (int[])Eval(OpCode.Neg, x));
        CollectionAssert.AreEqual(new[] { 3, 0, 7, int.MinValue }, (int[])Eval(OpCode.Abs, x));
        CollectionAssert.AreEqual(new[] { -1, 0, 1, -1 }, (int[])Eval(OpCode.Sign, x));
    }

    [TestMethod]
    [DataRow(OpCode.Add, new[] { 11.0, 12, 13, 21, 22, 23 })]
    [DataRow(OpCode.Sub, new[] { -9.0, -8, -7, -19, -18, -17 })]
    [DataRow(OpCode.Mul, new[] { 10.0, 20, 30, 20, 40, 60 })]
    [DataRow(OpCode.Div, new[] { 0.1, 0.2, 0.3, 0.05, 0.1, 0.15 })]
    [DataRow(OpCode.Pow, new[] { 1.0, 1024, 59049, 1, 1048576, 3486784401 })]
    [DataRow(OpCode.Max, new[] { 10.0, 10, 10, 20, 20, 20 })]
    [DataRow(OpCode.Min, new[] { 1.0, 2, 3, 1, 2, 3 })]
    public void BinaryBroadcastsRowAgainstColumn(OpCode op, double[] expected)
    {
        // a: [3] = (1, 2, 3) broadcast against b: [2,1] = (10, 20) -> [2,3]
        var (type, data) = Eval(op, Attrs.None, H(new[] { 1.0, 2, 3 }, 3), H(new[] { 10.0, 20 }, 2, 1));
        Assert.AreEqual("f64[2,3]", type.ToString());
        AreClose(expected, data);
    }

    [TestMethod]
    [DataRow(OpCode.Add, new[] { 9, -9, 1, int.MinValue + 1 })]
    [DataRow(OpCode.Sub, new[] { 5, -5, 13, int.MaxValue - 2 })]
    [DataRow(OpCode.Mul, new[] { 14, 14, -42, -2 })]
    [DataRow(OpCode.Div, new[] { 3, 3, -1, 1073741823 })]
    [DataRow(OpCode.Max, new[] { 7, -2, 7, int.MaxValue })]
    [DataRow(OpCode.Min, new[] { 2, -7, -6, 2 })]
    public void IntegerBinaryWrapsAndTruncates(OpCode op, int[] expected)
    {
        var a = H(new[] { 7, -7, 7, int.MaxValue }, 4);
        var b = H(new[] { 2, -2, -6, 2 }, 4);
        CollectionAssert.AreEqual(expected, (int[])Eval(op, a, b));
    }

    [TestMethod]
    public void IntegerDivisionEdgeCasesFollowXla() =>
        CollectionAssert.AreEqual(new[] { -1, int.MinValue, -3 },
            (int[])Eval(OpCode.Div, H(new[] { 5, int.MinValue, -7 }, 3), H(new[] { 0, -1, 2 }, 3)));

    [TestMethod]
    public void MaxAndMinPropagateNaN()
    {
        AreClose([double.NaN, double.NaN], Eval(OpCode.Max, H(new[] { double.NaN, 2 }, 2), H(new[] { 1.0, double.NaN }, 2)));
        AreClose([double.NaN], Eval(OpCode.Min, H(new[] { 1.0 }, 1), H(new[] { double.NaN }, 1)));
    }

    [TestMethod]
    [DataRow(OpCode.Eq, new[] { false, true, false, false, false, true })]
    [DataRow(OpCode.Ne, new[] { true, false, true, true, true, false })]
    [DataRow(OpCode.Lt, new[] { true, false, false, true, true, false })]
    [DataRow(OpCode.Le, new[] { true, true, false, true, true, true })]
    [DataRow(OpCode.Gt, new[] { false, false, true, false, false, false })]
    [DataRow(OpCode.Ge, new[] { false, true, true, false, false, true })]
    public void ComparisonsBroadcastForEveryDType(OpCode op, bool[] expected)
    {
        // Rows compare 1 with (2, 1, 0) and 3 with (4, 5, 3), so every outcome appears; i32 and f32 broadcast a [2,1] column.
        var f = Eval(op, H(new[] { 1.0, 1, 1, 3, 3, 3 }, 2, 3), H(new[] { 2.0, 1, 0, 4, 5, 3 }, 2, 3));
        CollectionAssert.AreEqual(expected, (bool[])f);
        var i = Eval(op, H(new[] { 1, 3 }, 2, 1), H(new[] { 2, 1, 0, 4, 5, 3 }, 2, 3));
        CollectionAssert.AreEqual(expected, (bool[])i);
        var s = Eval(op, H(new[] { 1f, 3f }, 2, 1), H(new[] { 2f, 1, 0, 4, 5, 3 }, 2, 3));
        CollectionAssert.AreEqual(expected, (bool[])s);
    }

    [TestMethod]
    public void ComparisonsOnBool()
    {
        var a = H(new[] { false, false, true, true }, 4);
        var b = H(new[] { false, true, false, true }, 4);
        CollectionAssert.AreEqual(new[] { true, false, false, true }, (bool[])Eval(OpCode.Eq, a, b));
        CollectionAssert.AreEqual(new[] { false, true, false, false }, (bool[])Eval(OpCode.Lt, a, b));
    }

    [TestMethod]
    [DataRow(OpCode.Eq, false)]
    [DataRow(OpCode.Ne, true)]
    [DataRow(OpCode.Lt, false)]
    [DataRow(OpCode.Ge, false)]
    public void NaNComparesUnequal(OpCode op, bool expected) =>
        Assert.AreEqual(expected, ((bool[])Eval(op, H(new[] { double.NaN }, 1), H(new[] { double.NaN }, 1)))[0]);

    [TestMethod]
    public void SelectBroadcastsAllThree()
    {
        // c: [2,1], a: [3], b: scalar -> [2,3]
        var (type, data) = Eval(OpCode.Select, Attrs.None, H(new[] { true, false }, 2, 1), H(new[] { 1f, 2, 3 }, 3), H(new[] { -1f }));
        Assert.AreEqual("f32[2,3]", type.ToString());
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, -1, -1, -1 }, (float[])data);
        CollectionAssert.AreEqual(new[] { 5, 0 }, (int[])Eval(OpCode.Select, H(new[] { true, false }, 2), H(new[] { 5, 6 }, 2), H(new[] { 0, 0 }, 2)));
        CollectionAssert.AreEqual(new[] { false, true }, (bool[])Eval(OpCode.Select, H(new[] { true, false }, 2), H(new[] { false, false }, 2), H(new[] { true, true }, 2)));
    }

    [TestMethod]
    public void CastBetweenAllDTypes()
    {
        Attrs To(DType d) => new() { DType = d };
        var x = H(new[] { -2.7, -0.0, 0.5, 3.9, double.NaN, 1e10 }, 6);
        CollectionAssert.AreEqual(new[] { -2, 0, 0, 3, 0, int.MaxValue }, (int[])Eval(OpCode.Cast, To(DType.Int32), x).Data);
        CollectionAssert.AreEqual(new[] { true, false, true, true, true, true }, (bool[])Eval(OpCode.Cast, To(DType.Bool), x).Data);
        CollectionAssert.AreEqual(new[] { -2.7f, -0f, 0.5f, 3.9f, float.NaN, 1e10f }, (float[])Eval(OpCode.Cast, To(DType.Float32), x).Data);
        CollectionAssert.AreEqual(new[] { 1.0, 0.0 }, (double[])Eval(OpCode.Cast, To(DType.Float64), H(new[] { true, false }, 2)).Data);
        CollectionAssert.AreEqual(new[] { -3f, 4f }, (float[])Eval(OpCode.Cast, To(DType.Float32), H(new[] { -3, 4 }, 2)).Data);
        CollectionAssert.AreEqual(new[] { (double)0.1f }, (double[])Eval(OpCode.Cast, To(DType.Float64), H(new[] { 0.1f }, 1)).Data);
        CollectionAssert.AreEqual(new[] { 1, 0 }, (int[])Eval(OpCode.Cast, To(DType.Int32), H(new[] { true, false }, 2)).Data);
    }

    [TestMethod]
    public void StopGradientIsTheIdentity()
    {
        var data = new[] { 1, 2, 3 };
        var r = (int[])Eval(OpCode.StopGradient, H(data, 3));
        CollectionAssert.AreEqual(data, r);
        Assert.AreNotSame(data, r);
    }
}
