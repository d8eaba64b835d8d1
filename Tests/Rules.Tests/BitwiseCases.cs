using Tracer.Compiler;
using static Tracer.Compiler.Ir;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Batching cases of the bitwise and logical primitives (i32 and bool), broadcasting included.</summary>
internal static class BitwiseCases
{
    /// <summary>i32 operands over the whole range (the default sample is [-5, 5]), shift amounts in [-2, 40).</summary>
    private static double WideInt(Random r, int k) => r.Next(int.MinValue, int.MaxValue);

    private static double Amount(Random r, int k) => k == 1 ? r.Next(-2, 40) : r.Next(int.MinValue, int.MaxValue);

    public static IEnumerable<BatchCase> Batch()
    {
        foreach (var op in new[] { OpCode.BitwiseAnd, OpCode.BitwiseOr, OpCode.BitwiseXor })
        {
            yield return new BatchCase($"{op.Name()} i32 [2,1,3] with [2,1]", op, [I32(2, 1, 3), I32(2, 1)], xs => Binary(op, xs[0], xs[1])) { Sample = WideInt };
            yield return new BatchCase($"{op.Name()} bool [2,3] with []", op, [B(2, 3), B()], xs => Binary(op, xs[0], xs[1]));
        }
        yield return new BatchCase("not i32", OpCode.BitwiseNot, [I32(2, 3)], xs => BitwiseNot(xs[0])) { Sample = WideInt };
        yield return new BatchCase("not bool []", OpCode.BitwiseNot, [B()], xs => BitwiseNot(xs[0]));
        foreach (var op in new[] { OpCode.ShiftLeft, OpCode.ShiftRightLogical })
        {
            yield return new BatchCase($"{op.Name()} i32 [3,1] with [4]", op, [I32(3, 1), I32(4)], xs => Binary(op, xs[0], xs[1])) { Sample = Amount };
            yield return new BatchCase($"{op.Name()} i32 [2,3] by []", op, [I32(2, 3), I32()], xs => Binary(op, xs[0], xs[1])) { Sample = Amount };
        }
    }
}
