using static Tracer.Ops;

namespace Tracer.Tests.ShapeOps;

/// <summary>
/// The cumulative, sorting, shape-utility and indexing operations, table-driven like <see cref="OpsGradientTests"/>:
/// eager against Jit.Compile in f32 and f64, the gradient against central differences in f64, the second derivative
/// (Jit.Grad twice) against differences of the first, and Jit.Vmap against a loop over examples.
/// </summary>
#if !CASES_ONLY   // Runtime.Cuda.Tests links this file for its case table only
[TestClass]
#endif
public sealed class ShapeOpsTests
{
    /// <summary>One row: an operation of x; <see cref="Distinct"/> inputs keep sorts and running extremes away from ties.</summary>
    public sealed record Case(string Name, int[] Shape, Func<Tensor, Tensor> F, bool Distinct = false, bool AwayFromZero = false, double Tol = 1e-5)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("cumsum axis 1", [3, 5], x => CumSum(x, 1)),
        new("cumsum axis 0 reverse", [4, 3], x => CumSum(x, 0, reverse: true)),
        new("cumsum of a nonlinear function", [6], x => CumSum(Sin(x) * x, -1)),
        new("cumprod axis 1", [3, 5], x => CumProd(x, 1), AwayFromZero: true),
        new("cumprod axis 0 reverse", [5, 2], x => CumProd(x, 0, reverse: true), AwayFromZero: true),
        new("cummax axis 1", [3, 6], x => CumMax(x, 1), Distinct: true),
        new("cummax reverse", [7], x => CumMax(x, 0, reverse: true), Distinct: true),
        new("cummin axis 0", [5, 3], x => CumMin(x, 0), Distinct: true),
        new("logcumsumexp axis 1", [2, 9], x => LogCumSumExp(x, 1)),
        new("logcumsumexp reverse", [2, 5], x => LogCumSumExp(x * 3.0, 1, reverse: true)),
        new("sort last", [3, 6], x => Sort(x), Distinct: true),
        new("sort descending axis 0", [5, 3], x => Sort(x, 0, descending: true), Distinct: true),
        new("sort then square", [8], x => Square(Sort(x)) * Tensor.Arange(DType.Float64, 1, 9), Distinct: true),
        new("topk 2", [3, 5], x => TopK(x, 2).Values, Distinct: true),
        new("pad value 2", [2, 3], x => Pad(x, [1, 0], [2, 1], 2.0)),
        new("pad zero", [3], x => Pad(Exp(x), [2], [1])),
        new("flip all", [2, 3], x => Flip(x)),
        new("flip axis 1", [2, 4], x => Flip(x, 1) * x),
        new("tile more reps than axes", [2, 3], x => Tile(x, 2, 1, 2)),
        new("repeat axis 0", [3, 2], x => Repeat(x, 2, 0)),
        new("roll 2 axis 1", [2, 5], x => Roll(x, 2, 1) * x),
        new("roll -1 axis 0", [3, 2], x => Roll(Sin(x), -1, 0)),
        new("split 2 axis 1", [2, 4], x => Split(x, 2, 1)[1] * Split(x, 2, 1)[0]),
        new("tril 0", [3, 3], x => Tril(x)),
        new("triu 1 batched", [2, 3, 4], x => Triu(Sin(x), 1)),
        new("diag vector", [3], x => Diag(x * x)),
        new("diag matrix", [3, 4], x => Diag(x) * Diag(x)),
        new("trace batched", [2, 3, 3], x => Trace(x * x)),
        new("index [1]", [3, 4], x => x[1] * x[2]),
        new("index [1..3]", [4, 2], x => Square(x[1..3])),
        new("index [.., ^1]", [3, 4], x => x[.., ^1]),
        new("index [2, 1..]", [3, 4, 2], x => Exp(x[2, 1..])),
        new("index [^1, ^3..^1]", [2, 5], x => x[^1, ^3..^1] * x[0, 1..3]),
    ];

    public static IEnumerable<object[]> CaseRows()
    {
        foreach (var c in Cases) yield return [c];
    }

    public static string CaseName(System.Reflection.MethodInfo m, object[] row) => ((Case)row[0]).Name;

    /// <summary>Inputs in [-1.5, 1.5]; distinct ones at least 0.05 apart; away from zero ones at least 0.3 from it.</summary>
    internal static Tensor Input(Case c, DType dtype, int seed)
    {
        var rng = new Random(seed);
        int n = 1;
        foreach (int d in c.Shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = c.Distinct ? -1.5 + 3.0 * (i + 0.5) / n : -1.5 + 3 * rng.NextDouble();
            if (c.AwayFromZero) v[i] = Math.Sign(v[i] == 0 ? 1 : v[i]) * (0.3 + 0.9 * Math.Abs(v[i]));
        }
        if (c.Distinct) rng.Shuffle(v);
        return Cast(Tensor.FromArray(v, c.Shape), dtype);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void CompiledMatchesEager(Case c)
    {
        OpTableChecks.CompiledMatchesEager(c.Name, c.F, dtype => Input(c, dtype, 11), 1e-5, 1e-12);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void GradientMatchesFiniteDifferences(Case c)
    {
        OpTableChecks.GradientMatchesFiniteDifferences(c.Name, c.F, Input(c, DType.Float64, 23), 1e-6, c.Tol, c.Tol / 10);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void SecondDerivativeMatchesFiniteDifferences(Case c)
    {
        // Sin after the op: most shape ops are linear, whose second derivative alone would be zero.
        OpTableChecks.SecondDerivativeMatchesFiniteDifferences(c.Name, c.F, Input(c, DType.Float64, 31), 1e-5, 10 * c.Tol, c.Tol, Sin);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void VmapMatchesALoop(Case c)
    {
        OpTableChecks.VmapMatchesALoop(c.Name, c.F, [Input(c, DType.Float64, 40), Input(c, DType.Float64, 41), Input(c, DType.Float64, 42)]);
    }
}
