using Tracer.Compiler;
using Tracer.Rules;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>
/// Reference implementations of the extra elementwise primitives against known values: Python's math module
/// (asin, erf, lgamma...), closed forms of the polygamma functions (psi(1) = -gamma, psi'(1) = pi^2/6,
/// psi''(1) = -2 zeta(3)...), and NumPy's rules for mod and round.
/// </summary>
[TestClass]
public sealed class SpecialReferenceTests
{
    private static readonly double[] X = [-1.5, -0.25, 0.5, 2];
    private static readonly double[] Unit = [-0.75, -0.25, 0.5, 0.9];

    /// <summary>Values from Python's math module (math.atan(-1.5)...).</summary>
    [TestMethod]
    [DataRow(OpCode.Atan, new[] { -0.982793723247329, -0.24497866312686414, 0.4636476090008061, 1.1071487177940904 })]
    [DataRow(OpCode.Sinh, new[] { -2.1292794550948173, -0.2526123168081683, 0.5210953054937474, 3.626860407847019 })]
    [DataRow(OpCode.Cosh, new[] { 2.352409615243247, 1.0314130998795732, 1.1276259652063807, 3.7621956910836314 })]
    [DataRow(OpCode.Asinh, new[] { -1.1947632172871094, -0.24746646154726346, 0.48121182505960347, 1.4436354751788103 })]
    [DataRow(OpCode.Erf, new[] { -0.9661051464753108, -0.2763263901682369, 0.5204998778130465, 0.9953222650189527 })]
    [DataRow(OpCode.Erfc, new[] { 1.9661051464753108, 1.276326390168237, 0.4795001221869535, 0.004677734981047265 })]
    [DataRow(OpCode.Floor, new[] { -2.0, -1, 0, 2 })]
    [DataRow(OpCode.Ceil, new[] { -1.0, -0.0, 1, 2 })]
    [DataRow(OpCode.Round, new[] { -2.0, -0.0, 0, 2 })]
    [DataRow(OpCode.Trunc, new[] { -1.0, -0.0, 0, 2 })]
    public void UnaryOnAnySign(OpCode op, double[] expected) => AreClose(expected, Eval(op, H(X, 4)), 1e-14);

    [TestMethod]
    [DataRow(OpCode.Asin, new[] { -0.848062078981481, -0.25268025514207865, 0.5235987755982989, 1.1197695149986342 })]
    [DataRow(OpCode.Acos, new[] { 2.4188584057763776, 1.8234765819369754, 1.0471975511965979, 0.45102681179626236 })]
    [DataRow(OpCode.Atanh, new[] { -0.9729550745276566, -0.25541281188299536, 0.5493061443340548, 1.4722194895832204 })]
    public void UnaryOnTheOpenUnitInterval(OpCode op, double[] expected) => AreClose(expected, Eval(op, H(Unit, 4)), 1e-14);

    [TestMethod]
    public void DomainErrorsGiveNaNOrInfinity()
    {
        AreClose([0, 0.9624236501192069, 1.762747174039086, 2.993222846126381], Eval(OpCode.Acosh, H(new[] { 1, 1.5, 3, 10 }, 4)), 1e-14);
        AreClose([double.NaN, double.NaN], Eval(OpCode.Asin, H(new[] { 1.5, -2 }, 2)));
        AreClose([double.NaN], Eval(OpCode.Acosh, H(new[] { 0.5 }, 1)));
        AreClose([double.PositiveInfinity, double.NegativeInfinity, double.NaN], Eval(OpCode.Atanh, H(new[] { 1, -1, 2.0 }, 3)));
    }

    [TestMethod]
    public void ErfAndErfcKeepPrecisionInTheTails()
    {
        // math.erf(3.5), math.erf(6), math.erf(-5); math.erfc(3), erfc(5), erfc(10), erfc(-3)
        AreClose([0.9999992569016276, 1, -0.9999999999984626, double.NaN, 1, -1],
            Eval(OpCode.Erf, H(new[] { 3.5, 6, -5, double.NaN, double.PositiveInfinity, double.NegativeInfinity }, 6)), 1e-15);
        var tails = (double[])Eval(OpCode.Erfc, H(new[] { 3.0, 5, 10, -3, 30 }, 5));
        double[] expected = [2.2090496998585438e-05, 1.5374597944280351e-12, 2.088487583762545e-45, 1.9999779095030015, 0];
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], tails[i], 1e-13 * Math.Abs(expected[i]), $"erfc element {i}: relative error too large");
        // Near zero: erf(x) ~ 2x/sqrt(pi), with no cancellation.
        AreClose([1.1283791670955126e-10], Eval(OpCode.Erf, H(new[] { 1e-10 }, 1)), 1e-15);
    }

    [TestMethod]
    public void LgammaMatchesKnownValues()
    {
        // ln(sqrt(pi)), 0, math.lgamma(2.5), ln(9!), math.lgamma(-0.5), math.lgamma(-2.5), math.lgamma(100), math.lgamma(1e-8)
        double[] x = [0.5, 1, 2.5, 10, -0.5, -2.5, 100, 1e-8];
        double[] expected = [0.5723649429247001, 0, 0.2846828704729196, Math.Log(362880), 1.265512123484645,
            -0.05624371649767457, 359.1342053695754, 18.42068073818021];
        AreClose(expected, Eval(OpCode.Lgamma, H(x, x.Length)), 1e-14);
        AreClose([double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity, double.NaN],
            Eval(OpCode.Lgamma, H(new[] { 0, -3, double.NegativeInfinity, double.NaN }, 4)));
    }

    private static double[] Polygamma(double n, params double[] x) =>
        (double[])Eval(OpCode.Polygamma, H(new[] { n }), H(x, x.Length));

    [TestMethod]
    public void PolygammaMatchesClosedForms()
    {
        const double gamma = 0.5772156649015329, zeta3 = 1.2020569031595942;
        // digamma: psi(1) = -gamma, psi(1/2) = -gamma - 2 ln 2, psi(n + 1) = H_n - gamma, psi(1 - x) - psi(x) = pi cot(pi x)
        AreClose([-gamma, -gamma - 2 * Math.Log(2), 1 + 0.5 + 1.0 / 3 - gamma, 2.2517525890667211],
            Polygamma(0, 1, 0.5, 4, 10), 1e-14);
        AreClose([Polygamma(0, 1.3)[0] - Math.PI / Math.Tan(Math.PI * -0.3)], Polygamma(0, -0.3), 1e-13);
        // trigamma: psi'(1) = pi^2/6, psi'(1/2) = pi^2/2; reflection psi'(1 - x) + psi'(x) = pi^2 / sin^2(pi x)
        AreClose([Math.PI * Math.PI / 6, Math.PI * Math.PI / 2], Polygamma(1, 1, 0.5), 1e-14);
        double s = Math.Sin(Math.PI * -0.3);
        AreClose([Math.PI * Math.PI / (s * s) - Polygamma(1, 1.3)[0]], Polygamma(1, -0.3), 1e-13);
        // psi''(1) = -2 zeta(3), psi'''(1) = pi^4 / 15, and large x: psi^(n)(x) ~ (-1)^(n+1) (n-1)! / x^n
        AreClose([-2 * zeta3, Math.Pow(Math.PI, 4) / 15], new[] { Polygamma(2, 1)[0], Polygamma(3, 1)[0] }, 1e-13);
        AreClose([1e-6 + 0.5e-12], Polygamma(1, 1e6), 1e-12);
        // Negative x (reflection), against mpmath at 30 digits: psi(-2.7), psi'(-2.7), psi''(-2.7), psi'(-1.5)
        AreClose([-1.1153471291406896, 14.769375845132315, -68.932939023263799, 9.3792466449891238],
            new[] { Polygamma(0, -2.7)[0], Polygamma(1, -2.7)[0], Polygamma(2, -2.7)[0], Polygamma(1, -1.5)[0] }, 1e-14);
        // Poles and orders that are not non-negative integers give NaN.
        AreClose([double.NaN, double.NaN], Polygamma(0, 0, -2));
        AreClose([double.NaN], Polygamma(1.5, 2));
        AreClose([double.NaN], Polygamma(-1, 2));
    }

    [TestMethod]
    public void ModHasTheSignOfTheDivisorAsNumPy()
    {
        // numpy.mod([5.5, -5.5, 5.5, -5.5, 6, -0.0, 3], [2, 2, -2, -2, 3, 5, 0])
        var r = Eval(OpCode.Mod, H(new[] { 5.5, -5.5, 5.5, -5.5, 6, -0.0, 3 }, 7), H(new[] { 2.0, 2, -2, -2, 3, 5, 0 }, 7));
        AreClose([1.5, 0.5, -0.5, -1.5, 0, 0, double.NaN], r);
        var d = (double[])r;
        Assert.IsTrue(double.IsPositive(d[4]) && double.IsPositive(d[5]), "a zero result takes the divisor's sign (+0 here)");
        Assert.IsTrue(double.IsNegative(((double[])Eval(OpCode.Mod, H(new[] { 4.0 }, 1), H(new[] { -2.0 }, 1)))[0]), "mod(4, -2) = -0");
        CollectionAssert.AreEqual(new[] { 1, 2, -2, -1, 0, 7, 0 },
            (int[])Eval(OpCode.Mod, H(new[] { 7, -7, 7, -7, 6, 7, int.MinValue }, 7), H(new[] { 3, 3, -3, -3, 3, 0, -1 }, 7)));
    }

    [TestMethod]
    public void RoundGoesHalfToEven() =>
        AreClose([-2, -2, -0.0, 0, 2, 2, 4, 3], Eval(OpCode.Round, H(new[] { -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 3.49 }, 8)));

    [TestMethod]
    public void Atan2CoversEveryQuadrantAndTheBranchCut()
    {
        // math.atan2 of (1,1), (1,-1), (-1,-1), (-1,1), (0,-1), (-0.0,-1)
        var r = Eval(OpCode.Atan2, H(new[] { 1.0, 1, -1, -1, 0, -0.0 }, 6), H(new[] { 1.0, -1, -1, 1, -1, -1 }, 6));
        AreClose([0.7853981633974483, 2.356194490192345, -2.356194490192345, -0.7853981633974483, Math.PI, -Math.PI], r, 1e-15);
    }

    [TestMethod]
    public void ShapeRulesCheckDTypes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Infer(OpCode.Erf, I32(3)));
        StringAssert.Contains(ex.Message, "erf");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Infer(OpCode.Polygamma, I32(), F64(3)));
        StringAssert.Contains(ex.Message, "polygamma");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Infer(OpCode.Atan2, F64(2), F64(3)));
        StringAssert.Contains(ex.Message, "atan2");
        Assert.AreEqual("i32[2,3]", Infer(OpCode.Mod, I32(2, 1), I32(3)).ToString());
        Assert.AreEqual("f32[4]", Infer(OpCode.Polygamma, F32(), F32(4)).ToString());
    }

    [TestMethod]
    public void PolygammaBatchesWithABatchedOrder() => BatchCheck.Run(SpecialCases.PolygammaBatchedOrder);
}
