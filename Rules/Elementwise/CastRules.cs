using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// convert_element_type: any dtype to any dtype. Float to i32 truncates toward zero (saturating; NaN gives 0), to
/// bool is "non-zero", f64 to f32 rounds to nearest. Gradients flow only between float types.
/// </summary>
internal sealed class CastRule() : PrimitiveRule(OpCode.Cast)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        if (!Enum.IsDefined(attrs.DType))
            throw Checks.Error(Op, $"unknown target dtype {(int)attrs.DType} for {inputs[0]}; use f32, f64, i32 or bool");
        return new TensorType(inputs[0].Shape, attrs.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        if (inputTypes[0].DType == output.DType) return HostArrays.Copy(inputs[0]);
        return HostArrays.FromDouble(HostArrays.ToDouble(inputs[0]), output.DType);
    }

    /// <summary>Float to float: cast the cotangent back. To or from i32/bool: piecewise constant, no gradient.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var x = output.Inputs[0];
        return [x.DType.IsFloat() && output.DType.IsFloat() ? Ir.Cast(cotangent, x.DType) : null];
    }

    /// <summary>Float to float: cast the tangent. Anything involving i32/bool is piecewise constant: zero.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        output.Inputs[0].DType.IsFloat() && output.DType.IsFloat() && tangents[0] is { } t ? Ir.Cast(t, output.DType) : null;

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.B.Emit(Op, attrs, args[0]), axes[0]);
}

/// <summary>stop_gradient: the identity whose input gets no gradient.</summary>
internal sealed class StopGradientRule() : PrimitiveRule(OpCode.StopGradient)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        return inputs[0];
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        HostArrays.Copy(inputs[0]);

    public override Node?[] Vjp(Node output, Node cotangent) => [null];

    /// <summary>Blocks derivatives in forward mode too.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) => null;

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.StopGradient(args[0]), axes[0]);

    public override bool IsNonDifferentiable => true;
}

internal static class CastRules
{
    public static PrimitiveRule[] Create() => [new CastRule(), new StopGradientRule()];
}
