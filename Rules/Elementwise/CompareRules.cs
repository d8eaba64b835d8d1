using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Comparisons (eq ne lt le gt ge): broadcasting, operands of any one dtype, bool result, no gradient. Values are
/// compared as doubles, which is exact for every dtype we have (NaN compares unequal to everything, as IEEE says).
/// </summary>
internal sealed class CompareRule(OpCode op, Func<double, double, bool> f) : PrimitiveRule(op)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.SameDType(Op, inputs[0], inputs[1]);
        return new TensorType(Checks.Broadcast(Op, inputs[0].Shape, inputs[1].Shape), DType.Bool);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var ma = HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape);
        var mb = HostArrays.BroadcastMap(inputTypes[1].Shape, output.Shape);
        var a = HostArrays.ToDouble(inputs[0]);
        var b = HostArrays.ToDouble(inputs[1]);
        var r = new bool[ma.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(a[ma[i]], b[mb[i]]);
        return r;
    }

    public override Node?[] Vjp(Node output, Node cotangent) => [null, null];

    /// <summary>A bool result has no tangent.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) => null;

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        BatchAxes.Broadcasting(Op, attrs, args, axes);

    public override bool IsNonDifferentiable => true;
}

/// <summary>select(c, a, b): a where c else b; c is bool, a and b share a dtype; all three broadcast.</summary>
internal sealed class SelectRule() : PrimitiveRule(OpCode.Select)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 3);
        if (inputs[0].DType != DType.Bool)
            throw Checks.Error(Op, $"the condition must be bool, got {inputs[0]}; build it with a comparison such as Gt(x, 0)");
        Checks.SameDType(Op, inputs[1], inputs[2]);
        var shape = Shape.TryBroadcast(inputs[0].Shape, inputs[1].Shape) is { } s ? Shape.TryBroadcast(s, inputs[2].Shape) : null;
        if (shape is null)
            throw Checks.Error(Op, $"shapes {inputs[0].Shape}, {inputs[1].Shape} and {inputs[2].Shape} (condition, on-true, on-false) " +
                "cannot be broadcast together (NumPy rules: trailing dimensions must match or be 1)");
        return new TensorType(shape.Value, inputs[1].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var c = (bool[])HostArrays.Take(inputs[0], HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape), DType.Bool);
        var onTrue = HostArrays.Take(inputs[1], HostArrays.BroadcastMap(inputTypes[1].Shape, output.Shape), output.DType);
        var onFalse = HostArrays.Take(inputs[2], HostArrays.BroadcastMap(inputTypes[2].Shape, output.Shape), output.DType);
        return HostArrays.Choose(c, onTrue, onFalse);
    }

    /// <summary>The cotangent flows to a where c holds and to b elsewhere; the condition gets none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        if (!output.DType.IsFloat()) return [null, null, null];
        Node c = output.Inputs[0], a = output.Inputs[1], b = output.Inputs[2];
        var zero = Ir.Lit(0, cotangent.DType);
        return
        [
            null,
            Ir.SumToShape(Ir.Select(c, cotangent, zero), a.Shape),
            Ir.SumToShape(Ir.Select(c, zero, cotangent), b.Shape),
        ];
    }

    /// <summary>select(c, ta, tb), a missing tangent being zero; broadcast to the output's shape.</summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (!output.DType.IsFloat() || (tangents[1] is null && tangents[2] is null)) return null;
        var zero = Ir.Lit(0, output.DType);
        var t = Ir.Select(output.Inputs[0], tangents[1] ?? zero, tangents[2] ?? zero);
        return Ir.Broadcast(t, output.Shape);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        BatchAxes.Broadcasting(Op, attrs, args, axes);
}

internal static class CompareRules
{
    public static PrimitiveRule[] Create() =>
    [
        new CompareRule(OpCode.Eq, (a, b) => a == b),
        new CompareRule(OpCode.Ne, (a, b) => a != b),
        new CompareRule(OpCode.Lt, (a, b) => a < b),
        new CompareRule(OpCode.Le, (a, b) => a <= b),
        new CompareRule(OpCode.Gt, (a, b) => a > b),
        new CompareRule(OpCode.Ge, (a, b) => a >= b),
        new SelectRule(),
    ];
}
