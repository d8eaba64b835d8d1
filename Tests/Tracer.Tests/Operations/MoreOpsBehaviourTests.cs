using static Tracer.Ops;

namespace Tracer.Tests.Operations;

/// <summary>
/// The documented conventions of the extra operations, eager and compiled: NumPy's rules for ArgMax/ArgMin (first
/// occurrence, NaN wins), Mod's sign, Round's ties; stable LogAddExp; Norm's zero gradient at the origin; bool
/// results of IsNan/IsInf/IsFinite and Any/All; integer inputs; and errors that name the operation.
/// </summary>
[TestClass]
public sealed class MoreOpsBehaviourTests
{
    private static Tensor D(params double[] v) => Tensor.FromArray(v, v.Length);

    /// <summary>Runs <paramref name="f"/> eagerly and compiled and checks both give the same ints.</summary>
    private static int[] Ints(Func<Tensor, Tensor> f, Tensor x)
    {
        var eager = f(x).ToInt32Array();
        CollectionAssert.AreEqual(eager, Jit.Compile(f)(x).ToInt32Array(), "eager and compiled differ");
        return eager;
    }

    private static bool[] Bools(Func<Tensor, Tensor> f, Tensor x)
    {
        var y = f(x);
        Assert.AreEqual(DType.Bool, y.DType);
        var eager = ToBools(y);
        CollectionAssert.AreEqual(eager, ToBools(Jit.Compile(f)(x)), "eager and compiled differ");
        return eager;
    }

    private static bool[] ToBools(Tensor t) => Array.ConvertAll(Cast(t, DType.Int32).ToInt32Array(), v => v != 0);

    [TestMethod]
    public void ArgMaxTakesTheFirstOccurrenceAndNaNWins()
    {
        var x = Tensor.FromArray(new double[] { 1, 5, 5, 2, double.NaN, 3, double.NaN, 9, -1, -2, 0, -2 }, 3, 4);
        CollectionAssert.AreEqual(new[] { 1, 0, 2 }, Ints(t => ArgMax(t, 1), x));
        CollectionAssert.AreEqual(new[] { 0, 0, 1 }, Ints(t => ArgMin(t, -1), x));
        CollectionAssert.AreEqual(new[] { 1, 0, 1, 1 }, Ints(t => ArgMax(t, 0), x));
        var kept = ArgMin(x, 0, keepDims: true);
        Assert.AreEqual("i32[1,4]", $"{kept.DType.ShortName()}{kept.Shape}");
        CollectionAssert.AreEqual(new[] { 1, 2, 1, 2 }, kept.ToInt32Array());
        // Integer and bool inputs; i32 indices.
        CollectionAssert.AreEqual(new[] { 2 }, Ints(t => ArgMax(t, 0, keepDims: true), Tensor.FromArray(new[] { 3, -1, 7, 7 }, 4)));
        CollectionAssert.AreEqual(new[] { 1 }, ArgMax(Tensor.FromArray(new[] { false, true, true }, 3), 0, keepDims: true).ToInt32Array());
    }

    [TestMethod]
    public void ArgMaxOfAnEmptyAxisIsAnError()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ArgMax(Tensor.Zeros(DType.Float32, 3, 0), 1));
        StringAssert.Contains(ex.Message, "ArgMax");
        StringAssert.Contains(ex.Message, "empty");
        ex = Assert.ThrowsExactly<ArgumentException>(() => ArgMin(Tensor.Zeros(DType.Float32, 3), 2));
        StringAssert.Contains(ex.Message, "ArgMin: axis 2 is out of range");
    }

    [TestMethod]
    public void ModAndRoundFollowNumPy()
    {
        var a = D(5.5, -5.5, 5.5, -5.5, 7, -7);
        var b = D(2, 2, -2, -2, 3.5, 3.5);
        TestUtil.AssertClose([1.5, 0.5, -0.5, -1.5, 0, 0], Mod(a, b).ToDoubleArray(), 0, 0, "mod");
        TestUtil.AssertClose([1.5, 0.5, -0.5, -1.5, 0, 0], Jit.Compile((Tensor s, Tensor t) => Mod(s, t))(a, b).ToDoubleArray(), 0, 0, "compiled mod");
        // An integer tensor with a C# int stays i32; with a C# double it computes in f32.
        var i = Tensor.FromArray(new[] { 7, -7, 0, -1 }, 4);
        Assert.AreEqual(DType.Int32, Mod(i, 3).DType);
        CollectionAssert.AreEqual(new[] { 1, 2, 0, 2 }, Mod(i, 3).ToInt32Array());
        CollectionAssert.AreEqual(new[] { -2, -1, 0, -1 }, Mod(i, -3).ToInt32Array());
        Assert.AreEqual(DType.Float32, Mod(i, 2.5).DType);
        CollectionAssert.AreEqual(new[] { 1, 2, 1 }, Mod(10, Tensor.FromArray(new[] { 3, 4, 9 }, 3)).ToInt32Array());
        TestUtil.AssertClose([-2, -2, 0, 0, 2, 2, 4], Round(D(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5)).ToDoubleArray(), 0, 0, "round half to even");
        TestUtil.AssertClose([-2, -2, 0, 0, 2, 2, 4], Jit.Compile((Tensor t) => Round(t))(Cast(D(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5), DType.Float32)).ToDoubleArray(), 0, 0, "f32 round");
        // Rounding an integer tensor is the identity.
        var same = Tensor.FromArray(new[] { 3, -4 }, 2);
        Assert.AreSame(same, Floor(same));
        Assert.AreSame(same, Trunc(same));
    }

    [TestMethod]
    public void LogAddExpIsStableAndHandlesInfinities()
    {
        var a = D(1000, -1000, 0, double.NegativeInfinity, double.PositiveInfinity, double.NaN, 2, double.NegativeInfinity);
        var b = D(1000, -1000.5, -40, double.NegativeInfinity, double.PositiveInfinity, 1, double.NegativeInfinity, 3);
        double[] expected = [1000 + Math.Log(2), -1000 + Math.Log(1 + Math.Exp(-0.5)), 4.248354255291589e-18, double.NegativeInfinity,
            double.PositiveInfinity, double.NaN, 2, 3];
        TestUtil.AssertClose(expected, LogAddExp(a, b).ToDoubleArray(), 1e-15, 0, "eager");
        TestUtil.AssertClose(expected, Jit.Compile((Tensor s, Tensor t) => LogAddExp(s, t))(a, b).ToDoubleArray(), 1e-15, 0, "compiled");
    }

    [TestMethod]
    public void LogAddExpDerivativesAreExactAtTies()
    {
        // d/da logaddexp(a, b) = sigmoid(a - b): 1/2 at a tie; d2/da2 = 1/4 there, and the gradients stay finite
        // where one operand is -inf.
        var x = D(0.3, -2, 5);
        var g = Jit.Grad((Tensor a, Tensor b) => Sum(LogAddExp(a, b)));
        TestUtil.AssertClose([0.5, 0.5, 0.5], g(x, x).ToDoubleArray(), 1e-15, 0, "first derivative at ties");
        var h = Jit.Grad((Tensor a, Tensor b) => Sum(g(a, b)));
        TestUtil.AssertClose([0.25, 0.25, 0.25], h(x, x).ToDoubleArray(), 1e-15, 0, "second derivative at ties");
        var inf = D(double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity);
        TestUtil.AssertClose([1, 1, 1], g(x, inf).ToDoubleArray(), 0, 0, "gradient next to -inf");
        TestUtil.AssertClose([0, 0, 0], g(inf, x).ToDoubleArray(), 0, 0, "gradient of the -inf operand");
    }

    [TestMethod]
    public void VarStdAndNorms()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, -2, 0, 2, 0 }, 2, 4);
        TestUtil.AssertClose([1.25, 2], Var(x, 1).ToDoubleArray(), 1e-15, 0, "var");
        TestUtil.AssertClose([5.0 / 3, 8.0 / 3], Var(x, -1, ddof: 1).ToDoubleArray(), 1e-15, 0, "var ddof 1");
        TestUtil.AssertClose([Math.Sqrt(2)], Std(x, [1], keepDims: true).ToDoubleArray()[1..], 1e-15, 0, "std");
        Assert.AreEqual("[2,1]", Std(x, [1], keepDims: true).Shape.ToString());
        Assert.AreEqual(DType.Float32, Var(Tensor.FromArray(new[] { 1, 2 }, 2)).DType);
        TestUtil.AssertClose([Math.Sqrt(38)], Norm(x).ToDoubleArray(), 1e-15, 0, "2-norm of everything");
        TestUtil.AssertClose([10, 4], Norm(x, 1, 1).ToDoubleArray(), 0, 0, "1-norm");
        TestUtil.AssertClose([4, 2], Norm(x, double.PositiveInfinity, 1).ToDoubleArray(), 0, 0, "max norm");
        TestUtil.AssertClose([1, 0], Norm(x, double.NegativeInfinity, 1).ToDoubleArray(), 0, 0, "min norm");
        TestUtil.AssertClose([4, 2], Norm(x, 0, 1).ToDoubleArray(), 0, 0, "count of non-zeros");
        TestUtil.AssertClose([Math.Cbrt(100), Math.Cbrt(16)], Norm(x, 3, [1]).ToDoubleArray(), 1e-15, 0, "3-norm");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Norm(x, double.NaN));
        StringAssert.Contains(ex.Message, "Norm");
    }

    [TestMethod]
    public void NormGradientAtZeroIsZeroNotNaN()
    {
        var zero = Tensor.Zeros(DType.Float64, 3);
        foreach (var ord in new[] { 2.0, 3, 1.5 })
        {
            var g = Jit.Grad((Tensor t) => Norm(t, ord));
            TestUtil.AssertClose([0, 0, 0], g(zero).ToDoubleArray(), 0, 0, $"ord {ord} at zero");
            // Away from zero it is x / |x| for ord 2.
            if (ord == 2) TestUtil.AssertClose([0.6, 0, -0.8], g(D(3, 0, -4)).ToDoubleArray(), 1e-15, 0, "ord 2 at (3, 0, -4)");
        }
        var second = Jit.Grad((Tensor t) => Sum(Jit.Grad((Tensor s) => Norm(s))(t)));
        Assert.IsTrue(second(zero).ToDoubleArray().All(double.IsFinite), "second derivative at zero is finite");
    }

    [TestMethod]
    public void PredicatesAndBooleanReductions()
    {
        var x = D(double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -1.5);
        CollectionAssert.AreEqual(new[] { true, false, false, false, false }, Bools(IsNan, x));
        CollectionAssert.AreEqual(new[] { false, true, true, false, false }, Bools(IsInf, x));
        CollectionAssert.AreEqual(new[] { false, false, false, true, true }, Bools(IsFinite, x));
        var i = Tensor.FromArray(new[] { 1, 2 }, 2);
        CollectionAssert.AreEqual(new[] { false, false }, ToBools(IsNan(i)));
        CollectionAssert.AreEqual(new[] { true, true }, ToBools(IsFinite(i)));

        var m = Tensor.FromArray(new[] { true, false, false, true, true, true }, 2, 3);
        CollectionAssert.AreEqual(new[] { true, true }, Bools(t => Any(t, 1), m));
        CollectionAssert.AreEqual(new[] { false, true }, Bools(t => All(t, -1), m));
        CollectionAssert.AreEqual(new[] { true, false, false }, Bools(t => All(t, [0], keepDims: true), m));
        Assert.AreEqual("[1,3]", All(m, [0], keepDims: true).Shape.ToString());
        CollectionAssert.AreEqual(new[] { false }, ToBools(All(m)));
        // Empty reductions: Any is false, All is true (NumPy); numbers count as true when non-zero.
        var empty = Tensor.Zeros(DType.Bool, 2, 0);
        CollectionAssert.AreEqual(new[] { false, false }, ToBools(Any(empty, 1)));
        CollectionAssert.AreEqual(new[] { true, true }, ToBools(All(empty, 1)));
        CollectionAssert.AreEqual(new[] { true }, ToBools(Any(D(0, 0, 0.5))));
    }

    [TestMethod]
    public void ErrorsNameTheOperation()
    {
        var i = Tensor.FromArray(new[] { 1, 2 }, 2);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Digamma(i));
        StringAssert.Contains(ex.Message, "Digamma");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Erf(i));
        StringAssert.Contains(ex.Message, "erf");
        var range = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Polygamma(-1, D(1)));
        StringAssert.Contains(range.Message, "Polygamma");
        range = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Var(D(1, 2), ddof: -1));
        StringAssert.Contains(range.Message, "Var");
        var nul = Assert.ThrowsExactly<ArgumentNullException>(() => LogAddExp(null!, D(1)));
        StringAssert.Contains(nul.Message, "LogAddExp");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Atan2(D(1, 2), D(1, 2, 3)));
        StringAssert.Contains(ex.Message, "atan2");
    }

    [TestMethod]
    public void Float32ErfIsCloseToTheDoubleReference()
    {
        // The f32 vector form is a polynomial/rational approximation: within a few f32 ulps of erf in double.
        var v = new double[1000];
        for (int k = 0; k < v.Length; k++) v[k] = -5 + 10.0 * k / (v.Length - 1);
        var exact = Erf(Tensor.FromArray(v, v.Length)).ToDoubleArray();
        var single = Jit.Compile((Tensor t) => Erf(t))(Cast(Tensor.FromArray(v, v.Length), DType.Float32)).ToDoubleArray();
        for (int k = 0; k < v.Length; k++)
            Assert.AreEqual(exact[k], single[k], 3e-7, $"erf({v[k]}) in f32");
    }
}
