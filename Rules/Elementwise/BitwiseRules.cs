using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Bitwise and logical primitives (and, or, xor, not, shift_left, shift_right_logical). and/or/xor/not act on i32
/// (bitwise, two's complement) or bool (logical), as XLA's do; the shifts act on i32 and follow XLA for amounts
/// outside [0, 32): the result is 0 (C# would mask the amount to its low 5 bits instead). None of them has a
/// gradient: their values are integers or bools. Batching is elementwise.
/// </summary>
internal sealed class BitwiseBinaryRule(OpCode op, Func<int, int, int> int32, Func<bool, bool, bool>? logical) : PrimitiveRule(op)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.SameDType(Op, inputs[0], inputs[1]);
        BitwiseRules.CheckDType(Op, inputs[0], allowBool: logical is not null);
        return new TensorType(Checks.Broadcast(Op, inputs[0].Shape, inputs[1].Shape), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var ma = HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape);
        var mb = HostArrays.BroadcastMap(inputTypes[1].Shape, output.Shape);
        if (output.DType == DType.Bool)
        {
            var a = (bool[])inputs[0];
            var b = (bool[])inputs[1];
            var r = new bool[ma.Length];
            for (int i = 0; i < r.Length; i++) r[i] = logical!(a[ma[i]], b[mb[i]]);
            return r;
        }
        var ai = (int[])inputs[0];
        var bi = (int[])inputs[1];
        var ri = new int[ma.Length];
        for (int i = 0; i < ri.Length; i++) ri[i] = int32(ai[ma[i]], bi[mb[i]]);
        return ri;
    }

    public override bool IsNonDifferentiable => true;

    public override Node?[] Vjp(Node output, Node cotangent) => [null, null];

    /// <summary>Integer and bool results have no tangent.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) => null;

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        BatchAxes.Broadcasting(Op, attrs, args, axes);
}

/// <summary>not: the bitwise complement of an i32, the negation of a bool.</summary>
internal sealed class BitwiseNotRule() : PrimitiveRule(OpCode.BitwiseNot)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        BitwiseRules.CheckDType(Op, inputs[0], allowBool: true);
        return inputs[0];
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        if (inputs[0] is bool[] b)
        {
            var r = new bool[b.Length];
            for (int i = 0; i < r.Length; i++) r[i] = !b[i];
            return r;
        }
        var x = (int[])inputs[0];
        var ri = new int[x.Length];
        for (int i = 0; i < ri.Length; i++) ri[i] = ~x[i];
        return ri;
    }

    public override bool IsNonDifferentiable => true;

    public override Node?[] Vjp(Node output, Node cotangent) => [null];

    public override Node? Jvp(Node output, Node?[] tangents) => null;

    /// <summary>Elementwise: the batch stays where it was.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.B.Emit(Op, attrs, args[0]), axes[0]);
}

internal static class BitwiseRules
{
    public static PrimitiveRule[] Create() =>
    [
        new BitwiseBinaryRule(OpCode.BitwiseAnd, (a, b) => a & b, (a, b) => a & b),
        new BitwiseBinaryRule(OpCode.BitwiseOr, (a, b) => a | b, (a, b) => a | b),
        new BitwiseBinaryRule(OpCode.BitwiseXor, (a, b) => a ^ b, (a, b) => a ^ b),
        new BitwiseNotRule(),
        new BitwiseBinaryRule(OpCode.ShiftLeft, ShiftLeft, null),
        new BitwiseBinaryRule(OpCode.ShiftRightLogical, ShiftRightLogical, null),
    ];

    /// <summary>a &lt;&lt; b, and 0 when b is outside [0, 32) (XLA), where C# would use b mod 32.</summary>
    public static int ShiftLeft(int a, int b) => (uint)b < 32 ? a << b : 0;

    /// <summary>a &gt;&gt;&gt; b (zero-filling), and 0 when b is outside [0, 32) (XLA), where C# would use b mod 32.</summary>
    public static int ShiftRightLogical(int a, int b) => (uint)b < 32 ? a >>> b : 0;

    /// <summary>i32, or bool where the op has a logical meaning; the message says which cast fixes it.</summary>
    public static void CheckDType(OpCode op, TensorType x, bool allowBool)
    {
        if (x.DType == DType.Int32 || (allowBool && x.DType == DType.Bool)) return;
        string expected = allowBool ? "an i32 or bool tensor" : "an i32 tensor";
        throw Checks.Error(op, $"expects {expected}, got {x}; bitwise operations are defined on integers" +
            (allowBool ? " (and on bools, as logical operations)" : "") + ": cast it with Cast(x, DType.Int32)");
    }
}
