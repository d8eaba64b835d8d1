using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Max pooling as two primitives linear in their second operand: max_pool_pick(x, t) reads t at each window's first
/// maximum of x, max_pool_scatter(x, g) adds g there. Each is the other's adjoint in that operand, and the position
/// of a maximum is piecewise constant in x, so x gets no derivative (a symbolic zero): VJPs and JVPs stay inside the
/// pair at any order. max_pool(x) is pick(x, x), whose gradient is scatter(x, cotangent): one pass over the windows
/// each way, instead of the composite's chain of per-tap selects.
/// </summary>
internal abstract class MaxPoolRuleBase(OpCode op) : PrimitiveRule(op)
{
    /// <summary>The shape of the second operand given the geometry (and of the result: the other one).</summary>
    protected abstract Shape Operand(PoolGeometry g);

    /// <summary>The result shape given the geometry.</summary>
    protected abstract Shape Result(PoolGeometry g);

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.Float(Op, inputs[0]);
        Checks.SameDType(Op, inputs[0], inputs[1]);
        var g = PoolGeometry.Create(Op.Name(), inputs[0].Shape, attrs);
        if (inputs[1].Shape != Operand(g))
            throw Checks.Error(Op, $"the second operand {inputs[1].Shape} must have shape {Operand(g)} for x {inputs[0].Shape} and window {attrs.Shape}");
        return new TensorType(Result(g), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var g = PoolGeometry.Create(Op.Name(), inputTypes[0].Shape, attrs);
        var x = HostArrays.ToDouble(inputs[0]);
        var t = HostArrays.ToDouble(inputs[1]);
        var result = new double[output.Shape.Size];
        int ins = g.InputSize, outs = g.OutputSize;
        for (int plane = 0; plane < g.Planes; plane++)
            for (int od = 0, o = 0; od < g.Out[0]; od++)
                for (int oh = 0; oh < g.Out[1]; oh++)
                    for (int ow = 0; ow < g.Out[2]; ow++, o++)
                    {
                        int at = plane * ins + g.ArgMax<double>(x, plane * ins, od, oh, ow);
                        if (Op == OpCode.MaxPoolPick) result[plane * outs + o] = t[at];
                        else result[at] += t[plane * outs + o];
                    }
        return HostArrays.FromDouble(result, output.DType);
    }

    /// <summary>Linear in the second operand, constant in x: the same op on the tangent.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[1] is { } t ? Ir.B.Emit(Op, output.Attrs, output.Inputs[0], t) : null;

    /// <summary>Every leading axis is a batch axis: the vmap batch goes in front of them.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var x = BatchAxes.Materialize(args[0], axes[0], batchSize);
        var t = BatchAxes.Materialize(args[1], axes[1], batchSize);
        return (Ir.B.Emit(Op, attrs, x, t), 0);
    }
}

/// <summary>max_pool_pick(x, t) -> pooled shape: t at each window's first maximum of x.</summary>
internal sealed class MaxPoolPickRule() : MaxPoolRuleBase(OpCode.MaxPoolPick)
{
    protected override Shape Operand(PoolGeometry g) => g.InputShape;

    protected override Shape Result(PoolGeometry g) => g.OutputShape;

    /// <summary>dt = max_pool_scatter(x, ct); x gets none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent) => [null, Ir.MaxPoolScatter(output.Inputs[0], cotangent, output.Attrs)];
}

/// <summary>max_pool_scatter(x, g) -> x's shape: each window's g added at its first maximum of x.</summary>
internal sealed class MaxPoolScatterRule() : MaxPoolRuleBase(OpCode.MaxPoolScatter)
{
    protected override Shape Operand(PoolGeometry g) => g.OutputShape;

    protected override Shape Result(PoolGeometry g) => g.InputShape;

    /// <summary>dg = max_pool_pick(x, ct); x gets none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent) => [null, Ir.MaxPoolPick(output.Inputs[0], cotangent, output.Attrs)];
}

internal static class MaxPoolRules
{
    public static PrimitiveRule[] Create() => [new MaxPoolPickRule(), new MaxPoolScatterRule()];
}
