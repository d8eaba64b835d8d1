using Tracer.Compiler;
using static Tracer.Compiler.Ir;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>
/// Gradient and batching cases of the extra elementwise primitives (asin..atanh, erf, erfc, lgamma, rounding,
/// atan2, mod, polygamma): inputs inside each domain, away from poles and from the jumps of the rounding ops.
/// Included in <see cref="GradientCases.All"/> (so also in the JVP and batching tables) and <see cref="BatchCases.All"/>.
/// </summary>
internal static class SpecialCases
{
    private static readonly int[] S23 = [2, 3];

    private static double Uniform(Random r, double lo, double hi) => lo + (hi - lo) * r.NextDouble();

    private static double Signed(Random r, double lo, double hi) => (r.Next(2) == 0 ? -1 : 1) * Uniform(r, lo, hi);

    /// <summary>An integer plus a fraction in [0.1, 0.4]: 0.1 from every jump of floor, ceil, trunc and round.</summary>
    private static double OffInteger(Random r) => r.Next(-3, 3) + Uniform(r, 0.1, 0.4);

    private static GradCase Unary(OpCode op, Func<Random, double>? sample = null, string suffix = "") =>
        new(op.Name() + suffix, op, [S23], xs => Ir.Unary(op, xs[0]))
        {
            Sample = sample is null ? (r, _) => Uniform(r, -1.5, 1.5) : (r, _) => sample(r),
        };

    private static IEnumerable<GradCase> Binary(OpCode op, Func<Random, int, double> sample)
    {
        (string, int[], int[])[] shapes = [("", S23, S23), (" [3,1] with [4]", [3, 1], [4]), (" [] with [2,3]", [], S23)];
        foreach (var (suffix, a, b) in shapes)
            yield return new GradCase(op.Name() + suffix, op, [a, b], xs => Ir.Binary(op, xs[0], xs[1])) { Sample = sample };
    }

    private static GradCase Polygamma(int n, double lo, double hi) =>
        new($"polygamma n={n} x in [{lo}, {hi}]", OpCode.Polygamma, [S23], xs => Ir.Polygamma(Full(xs[0].Shape, n, DType.Float64), xs[0]))
        {
            Sample = (r, _) => Uniform(r, lo, hi),
        };

    public static readonly GradCase[] Gradient =
    [
        Unary(OpCode.Asin, r => Uniform(r, -0.8, 0.8)),
        Unary(OpCode.Acos, r => Uniform(r, -0.8, 0.8)),
        Unary(OpCode.Atan),
        Unary(OpCode.Sinh),
        Unary(OpCode.Cosh),
        Unary(OpCode.Asinh, r => Uniform(r, -3, 3)),
        Unary(OpCode.Acosh, r => Uniform(r, 1.2, 4)),
        Unary(OpCode.Atanh, r => Uniform(r, -0.8, 0.8)),
        Unary(OpCode.Erf, r => Uniform(r, -2.5, 2.5)),
        Unary(OpCode.Erfc, r => Uniform(r, -2.5, 2.5)),
        Unary(OpCode.Erfc, r => Uniform(r, 2, 4), " large x (continued fraction)"),
        Unary(OpCode.Lgamma, r => Uniform(r, 0.2, 15)),
        Unary(OpCode.Lgamma, r => -Uniform(r, 0.1, 0.9) - r.Next(0, 3), " negative x (reflection)"),
        Unary(OpCode.Floor, OffInteger),
        Unary(OpCode.Ceil, OffInteger),
        Unary(OpCode.Round, OffInteger),
        Unary(OpCode.Trunc, OffInteger),
        // atan2 away from the origin and from the branch cut (x < 0, y = 0) where the angle jumps by 2 pi.
        .. Binary(OpCode.Atan2, (r, k) => k == 0 ? Signed(r, 0.2, 1.5) : Uniform(r, -1.5, 1.5)),
        // mod: |a| < 0.9 and 1 <= |b| <= 1.5, so a / b stays in (-0.9, 0.9) away from the jumps at integers;
        // floor(a / b) is 0 or -1, so both values of the b-derivative appear.
        .. Binary(OpCode.Mod, (r, k) => k == 0 ? Signed(r, 0.1, 0.9) : Signed(r, 1, 1.5)),
        Polygamma(0, 0.2, 15),
        Polygamma(1, 0.2, 15),
        Polygamma(2, 0.5, 4),
        Polygamma(0, -2.9, -2.1),
        Polygamma(1, -0.9, -0.1),
    ];

    /// <summary>Other dtypes; samples kept away from jumps, since the JVP table differentiates these in f32 too.</summary>
    public static readonly BatchCase[] Batch =
    [
        new("erf f32 [2,3]", OpCode.Erf, [F32(2, 3)], xs => Erf(xs[0])),
        new("floor f32 []", OpCode.Floor, [F32()], xs => Floor(xs[0])) { Sample = (r, _) => OffInteger(r) },
        new("mod i32 [2,1,3] with [2,1]", OpCode.Mod, [I32(2, 1, 3), I32(2, 1)], xs => Mod(xs[0], xs[1])),
        new("mod f32 [3,1] with [4]", OpCode.Mod, [F32(3, 1), F32(4)], xs => Mod(xs[0], xs[1]))
        {
            Sample = (r, k) => k == 0 ? Signed(r, 0.1, 0.9) : Signed(r, 1, 1.5),
        },
        new("atan2 f32 [] with [2,2]", OpCode.Atan2, [F32(), F32(2, 2)], xs => Atan2(xs[0], xs[1]))
        {
            Sample = (r, k) => k == 0 ? Signed(r, 0.2, 1.5) : Uniform(r, -1.5, 1.5),
        },
    ];

    /// <summary>
    /// polygamma with a batched order operand: batching only (not in the JVP table, whose finite differences would
    /// move the order off the integers, where polygamma is NaN).
    /// </summary>
    public static readonly BatchCase PolygammaBatchedOrder =
        new("polygamma f64 order [3] with x [2,3]", OpCode.Polygamma, [F64(3), F64(2, 3)], xs => Ir.Polygamma(xs[0], xs[1]))
        {
            Sample = (r, k) => k == 0 ? r.Next(0, 3) : 0.5 + 3 * r.NextDouble(),
        };
}
