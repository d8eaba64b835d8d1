using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// cumsum(x, Axis, Reverse): y[..., i, ...] = Σ_{j ≤ i} x[..., j, ...] along Axis (Σ_{j ≥ i} when Reverse), for f32,
/// f64 and i32 (i32 wraps, as XLA). It is linear, so its transpose is the cumsum the other way round and its tangent
/// is the cumsum of the tangent; both emit cumsum again, so derivatives of every order stay one primitive.
/// </summary>
internal sealed class CumSumRule() : PrimitiveRule(OpCode.CumSum)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        Checks.Numeric(Op, inputs[0], allowInt32: true);
        Checks.Axis(Op, attrs.Axis, inputs[0].Shape);
        return inputs[0];
    }

    /// <summary>The reference: a running sum per line, in double (exact for i32 up to 2^53, rounded once for f32).</summary>
    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var x = HostArrays.ToDouble(inputs[0]);
        var (outer, n, inner) = Lines(output.Shape, attrs.Axis);
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double acc = 0;
                for (int k = 0; k < n; k++)
                {
                    int j = attrs.Reverse ? n - 1 - k : k;
                    int at = (o * n + j) * inner + i;
                    acc += x[at];
                    // i32 wraps like the compiled kernel does (two's complement), instead of saturating on conversion.
                    if (output.DType == DType.Int32) acc = unchecked((int)(long)acc);
                    y[at] = acc;
                }
            }
        }
        return HostArrays.FromDouble(y, output.DType);
    }

    /// <summary>The transpose of a prefix sum is the suffix sum (and the other way round).</summary>
    public override Node?[] Vjp(Node output, Node cotangent) =>
        [Ir.CumSum(cotangent, output.Attrs.Axis, !output.Attrs.Reverse)];

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.CumSum(t, output.Attrs.Axis, output.Attrs.Reverse) : null;

    /// <summary>The batch axis goes to the front; the scanned axis moves one further in.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.CumSum(BatchAxes.ToFront(args[0], axes[0]), attrs.Axis + 1, attrs.Reverse), 0);

    /// <summary>A shape seen as [outer, n, inner] around <paramref name="axis"/> (n the axis' length).</summary>
    public static (int Outer, int N, int Inner) Lines(Shape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Rank; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }
}

internal static class SequenceRules
{
    public static PrimitiveRule[] Create() => [new CumSumRule(), new ArgSortRule()];
}
