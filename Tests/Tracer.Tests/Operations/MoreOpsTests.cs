using static Tracer.Ops;

namespace Tracer.Tests.Operations;

/// <summary>
/// The extra operations through the front end, table-driven as <see cref="OpsGradientTests"/>: eager against
/// Jit.Compile in f32 and f64, Jit.Grad against central finite differences, Jit.Grad twice (second derivatives)
/// against finite differences of the first, and Jit.Vmap against a loop. Inputs stay away from the jumps of the
/// rounding ops and the kinks of the norms.
/// </summary>
#if !CASES_ONLY   // Runtime.Cuda.Tests links this file for its case table only
[TestClass]
#endif
public sealed class MoreOpsTests
{
    /// <summary>One row: an operation applied to the differentiated input x (and fixed data).</summary>
    public sealed record Case(string Name, int[] Shape, Func<Tensor, Tensor> F, double Lo = -2, double Hi = 2, bool AwayFromZero = false)
    {
        public override string ToString() => Name;
    }

    private static Tensor C(params int[] shape) => TestUtil.Random(new Random(shape.Length * 7 + 3), DType.Float64, -1.5, 1.5, shape);

    private static Tensor F64(Tensor x) => Cast(x, DType.Float64);

    public static readonly Case[] Cases =
    [
        new("asin", [3, 4], x => Asin(x), -0.9, 0.9),
        new("acos", [3, 4], x => Acos(x), -0.9, 0.9),
        new("atan", [3, 4], x => Atan(x * 2.0)),
        new("sinh", [3, 4], x => Sinh(x)),
        new("cosh", [3, 4], x => Cosh(x)),
        new("asinh", [3, 4], x => Asinh(x * 3.0)),
        new("acosh", [3, 4], x => Acosh(x), 1.2, 4),
        new("atanh", [3, 4], x => Atanh(x), -0.9, 0.9),
        new("erf", [3, 4], x => Erf(x)),
        new("erfc", [3, 4], x => Erfc(x * 2.0)),
        new("lgamma", [3, 4], x => Lgamma(x), 0.2, 6),
        new("digamma", [3, 4], x => Digamma(x), 0.3, 6),
        new("polygamma", [3, 4], x => Polygamma(1, x), 0.3, 6),
        new("floor", [3, 4], x => Floor(x * 3.0) * x),
        new("ceil", [3, 4], x => Ceil(x * 3.0) * x),
        new("round", [3, 4], x => Round(x * 3.0) * x),
        new("trunc", [3, 4], x => Trunc(x * 3.0) * x),
        new("reciprocal", [3, 4], x => Reciprocal(x), AwayFromZero: true),
        new("atan2", [3, 4], x => Atan2(x, C(4)) + Atan2(C(3, 1), x), AwayFromZero: true),
        new("atan2_numbers", [3, 4], x => Atan2(x, 2.0) + Atan2(-1.0, x), AwayFromZero: true),
        new("mod", [3, 4], x => Mod(x, C(4) + 3.0) + Mod(x, 0.7)),
        new("mod_divisor", [3, 4], x => Mod(2.5, x) + Mod(C(3, 1), x), AwayFromZero: true),
        new("logaddexp", [3, 4], x => LogAddExp(x, C(4)) + LogAddExp(x * 20.0, 0.5) + LogAddExp(-1.0, x)),
        new("logaddexp_tie", [3, 4], x => LogAddExp(x, x) * x),
        new("is_finite", [3, 4], x => Where(IsFinite(Log(x)), x * x, x) + Where(IsNan(Sqrt(x)), Sin(x), x) - Where(IsInf(Log(Abs(x) - 2.0)), 0.0, x)),
        new("argmax", [3, 4], x => F64(ArgMax(x, 1, keepDims: true)) * Sum(x, 1, keepDims: true) + F64(ArgMin(x, -2, keepDims: true)) * x + F64(ArgMax(x, 0))),
        new("var", [3, 4], x => Var(x, 1) + Var(x, [0, 1], keepDims: true, ddof: 1)),
        new("std", [3, 4], x => Std(x, 0, ddof: 1) * Std(x)),
        new("norm2", [3, 4], x => Norm(x) * Norm(x, 2, 1, keepDims: true)),
        new("norm1", [3, 4], x => Norm(x, 1, [0]), AwayFromZero: true),
        new("norm_inf", [3, 4], x => Sum(Norm(x, double.PositiveInfinity, 1)) + Norm(x, double.NegativeInfinity, 0), AwayFromZero: true),
        new("norm_p", [3, 4], x => Norm(x, 3, [1]) + Norm(x, 0.5), AwayFromZero: true),
        new("norm0", [3, 4], x => Norm(x, 0, 1, keepDims: true) * x, AwayFromZero: true),
        new("any_all", [3, 4], x => Where(Any(Greater(x, 1.0), 1, keepDims: true), x, x * x) + Where(All(Less(x, 1.5)), Sin(x), x)),
    ];

    public static IEnumerable<object[]> CaseRows()
    {
        foreach (var c in Cases) yield return [c];
    }

    public static string CaseName(System.Reflection.MethodInfo m, object[] row) => ((Case)row[0]).Name;

    internal static Tensor MakeInput(Case c, DType dtype, int seed) => Input(c, dtype, seed);

    private static Tensor Input(Case c, DType dtype, int seed)
    {
        var v = TestUtil.Random(new Random(seed), DType.Float64, c.Lo, c.Hi, c.Shape).ToDoubleArray();
        for (int i = 0; i < v.Length; i++)
        {
            if (c.AwayFromZero) v[i] = Math.Sign(v[i] == 0 ? 1 : v[i]) * (0.2 + Math.Abs(v[i]));
        }
        return Cast(Tensor.FromArray(v, c.Shape), dtype);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void CompiledMatchesEager(Case c)
    {
        OpTableChecks.CompiledMatchesEager(c.Name, c.F, dtype => Input(c, dtype, 11), 1e-4, 1e-10);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void GradientMatchesFiniteDifferences(Case c)
    {
        OpTableChecks.GradientMatchesFiniteDifferences(c.Name, c.F, Input(c, DType.Float64, 23), 1e-6, 1e-5, 1e-6);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void SecondDerivativeMatchesFiniteDifferences(Case c)
    {
        OpTableChecks.SecondDerivativeMatchesFiniteDifferences(c.Name, c.F, Input(c, DType.Float64, 31), 1e-5, 1e-4, 1e-5);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void VmapMatchesALoop(Case c)
    {
        OpTableChecks.VmapMatchesALoop(c.Name, c.F, [Input(c, DType.Float64, 41), Input(c, DType.Float64, 42), Input(c, DType.Float64, 43)]);
    }
}
