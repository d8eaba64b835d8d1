using Tracer.Compiler;
using static Tracer.Compiler.Ir;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>
/// Table entries of the cumsum and argsort primitives (ops-shape family), spliced into <see cref="GradientCases"/>
/// and <see cref="BatchCases"/>. argsort has an integer result and no gradient, so it appears in the batching
/// table only (which also runs every case through forward mode).
/// </summary>
internal static class SequenceCases
{
    public static readonly GradCase[] Gradients =
    [
        new("cumsum axis 1", OpCode.CumSum, [[2, 3, 4]], xs => CumSum(xs[0], 1)),
        new("cumsum axis 0 reverse", OpCode.CumSum, [[4, 3]], xs => CumSum(xs[0], 0, reverse: true)),
        new("cumsum of sin times sin", OpCode.CumSum, [[5]], xs => Mul(CumSum(Sin(xs[0]), 0, reverse: true), Sin(xs[0]))),
    ];

    /// <summary>Small integers as floats: many ties, which a stable argsort must order by position.</summary>
    private static double Ties(Random r, int _) => r.Next(-2, 3);

    public static readonly BatchCase[] Batches =
    [
        new("cumsum f32 axis 2 reverse", OpCode.CumSum, [F32(2, 3, 4)], xs => CumSum(xs[0], 2, reverse: true)),
        new("cumsum i32 axis 0", OpCode.CumSum, [I32(3, 2)], xs => CumSum(xs[0], 0)),
        new("argsort f64 axis 1", OpCode.ArgSort, [F64(3, 4)], xs => ArgSort(xs[0], 1)),
        new("argsort f32 axis 0 descending with ties", OpCode.ArgSort, [F32(5, 2)], xs => ArgSort(xs[0], 0, descending: true)) { Sample = Ties },
        new("argsort i32 axis 1 with ties", OpCode.ArgSort, [I32(2, 6)], xs => ArgSort(xs[0], 1)) { Sample = Ties },
        new("argsort feeding a gather (sort)", OpCode.ArgSort, [F64(3, 5)], xs => Gather(xs[0], ArgSort(xs[0], 1), 1, 1)),
    ];
}
