using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>slice: x[Starts[i]:Ends[i]] on every axis (step 1, ends exclusive).</summary>
internal sealed class SliceRule() : PrimitiveRule(OpCode.Slice)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var starts = Checks.Required(Op, attrs.Starts, "start_indices");
        var ends = Checks.Required(Op, attrs.Ends, "limit_indices");
        Checks.PerAxis(Op, starts, "start_indices", x.Shape);
        Checks.PerAxis(Op, ends, "limit_indices", x.Shape);
        var dims = new int[x.Shape.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            if (starts[i] < 0 || starts[i] > ends[i] || ends[i] > x.Shape[i])
                throw Checks.Error(Op, $"range {starts[i]}:{ends[i]} on axis {i} of {x} is invalid; " +
                    $"need 0 <= start <= end <= {x.Shape[i]}");
            dims[i] = ends[i] - starts[i];
        }
        return new TensorType(new Shape(dims), x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var strides = inputTypes[0].Shape.Strides();
        int offset = 0;
        for (int i = 0; i < strides.Length; i++) offset += attrs.Starts![i] * strides[i];
        return HostArrays.Take(inputs[0], HostArrays.StridedMap(output.Shape, strides, offset), output.DType);
    }

    /// <summary>The slice's transpose: zero-pad the cotangent back to the input's extent.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var shape = output.Inputs[0].Shape;
        var high = new int[shape.Rank];
        for (int i = 0; i < high.Length; i++) high[i] = shape[i] - output.Attrs.Ends![i];
        return [Ir.Pad(cotangent, output.Attrs.Starts!, high)];
    }

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Slice(t, output.Attrs.Starts!, output.Attrs.Ends!) : null;

    /// <summary>The whole batch axis is kept: 0:batchSize in front of the per-example ranges.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var x = BatchAxes.ToFront(args[0], axes[0]);
        return (Ir.Slice(x, BatchAxes.Prepend(0, attrs.Starts!), BatchAxes.Prepend(batchSize, attrs.Ends!)), 0);
    }
}

/// <summary>pad: Starts[i] zeros before and Ends[i] zeros after axis i (non-negative).</summary>
internal sealed class PadRule() : PrimitiveRule(OpCode.Pad)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var low = Checks.Required(Op, attrs.Starts, "low");
        var high = Checks.Required(Op, attrs.Ends, "high");
        Checks.PerAxis(Op, low, "low", x.Shape);
        Checks.PerAxis(Op, high, "high", x.Shape);
        var dims = new int[x.Shape.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            if (low[i] < 0 || high[i] < 0)
                throw Checks.Error(Op, $"padding ({low[i]}, {high[i]}) on axis {i} of {x} is negative; use slice to remove elements");
            dims[i] = low[i] + x.Shape[i] + high[i];
        }
        return new TensorType(new Shape(dims), x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var strides = output.Shape.Strides();
        int offset = 0;
        for (int i = 0; i < strides.Length; i++) offset += attrs.Starts![i] * strides[i];
        var result = output.DType.NewArray(output.Shape.Size);
        HostArrays.Place(inputs[0], HostArrays.StridedMap(inputTypes[0].Shape, strides, offset), result);
        return result;
    }

    /// <summary>The pad's transpose: slice the interior back out.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var shape = output.Inputs[0].Shape;
        var low = output.Attrs.Starts!;
        var ends = new int[shape.Rank];
        for (int i = 0; i < ends.Length; i++) ends[i] = low[i] + shape[i];
        return [Ir.Slice(cotangent, low, ends)];
    }

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Pad(t, output.Attrs.Starts!, output.Attrs.Ends!) : null;

    /// <summary>No padding along the batch axis (moved to the front).</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var x = BatchAxes.ToFront(args[0], axes[0]);
        return (Ir.Pad(x, BatchAxes.Prepend(0, attrs.Starts!), BatchAxes.Prepend(0, attrs.Ends!)), 0);
    }
}

/// <summary>concatenate: n operands of one dtype and rank, equal except along Axis.</summary>
internal sealed class ConcatRule() : PrimitiveRule(OpCode.Concat)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        if (inputs.Length == 0) throw Checks.Error(Op, "expects at least one operand, got none");
        var first = inputs[0];
        Checks.Axis(Op, attrs.Axis, first.Shape);
        var dims = first.Shape.ToArray();
        for (int k = 1; k < inputs.Length; k++)
        {
            var x = inputs[k];
            Checks.SameDType(Op, first, x);
            bool compatible = x.Shape.Rank == first.Shape.Rank;
            for (int i = 0; compatible && i < dims.Length; i++)
            {
                compatible = i == attrs.Axis || x.Shape[i] == first.Shape[i];
            }
            if (!compatible)
                throw Checks.Error(Op, $"shapes {first.Shape} and {x.Shape} (operands 0 and {k}) must have the same rank " +
                    $"and match on every axis except the concatenation axis {attrs.Axis}");
            dims[attrs.Axis] += x.Shape[attrs.Axis];
        }
        return new TensorType(new Shape(dims), first.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var strides = output.Shape.Strides();
        var result = output.DType.NewArray(output.Shape.Size);
        int offset = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            HostArrays.Place(inputs[k], HostArrays.StridedMap(inputTypes[k].Shape, strides, offset * strides[attrs.Axis]), result);
            offset += inputTypes[k].Shape[attrs.Axis];
        }
        return result;
    }

    /// <summary>Each operand's cotangent is its slab of the output cotangent.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        int axis = output.Attrs.Axis;
        var cts = new Node?[output.Inputs.Count];
        int offset = 0;
        for (int k = 0; k < cts.Length; k++)
        {
            var shape = output.Inputs[k].Shape;
            var starts = new int[shape.Rank];
            var ends = output.Shape.ToArray();
            starts[axis] = offset;
            ends[axis] = offset + shape[axis];
            cts[k] = Ir.Slice(cotangent, starts, ends);
            offset += shape[axis];
        }
        return cts;
    }

    /// <summary>The tangents concatenated, a missing one being zeros of its operand's shape.</summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (Array.TrueForAll(tangents, t => t is null)) return null;
        var parts = new Node[tangents.Length];
        for (int k = 0; k < parts.Length; k++) parts[k] = tangents[k] ?? Ir.ZerosLike(output.Inputs[k]);
        return Ir.Concat(output.Attrs.Axis, parts);
    }

    /// <summary>Every operand gets its batch at axis 0 (unbatched ones broadcast along it); the axis shifts by one.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var parts = new Node[args.Length];
        for (int k = 0; k < parts.Length; k++) parts[k] = BatchAxes.Materialize(args[k], axes[k], batchSize);
        return (Ir.B.Emit(Op, new Attrs { Axis = attrs.Axis + 1 }, parts), 0);
    }
}

internal static class SliceRules
{
    public static PrimitiveRule[] Create() => [new SliceRule(), new PadRule(), new ConcatRule()];
}
