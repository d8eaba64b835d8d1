using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>reshape: same elements in row-major order, new shape of the same size (no -1 here; the front end resolves it).</summary>
internal sealed class ReshapeRule() : PrimitiveRule(OpCode.Reshape)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var target = Checks.Required(Op, attrs.Shape, "shape");
        if (target.Size != x.Shape.Size)
            throw Checks.Error(Op, $"cannot reshape {x} ({x.Shape.Size} elements) to {target} ({target.Size} elements); " +
                "the number of elements must stay the same");
        return new TensorType(target, x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        HostArrays.Copy(inputs[0]);

    public override Node?[] Vjp(Node output, Node cotangent) => [Ir.Reshape(cotangent, output.Inputs[0].Shape)];

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Reshape(t, output.Shape) : null;

    /// <summary>Row-major order keeps each example contiguous once the batch is the leading axis.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.Reshape(BatchAxes.ToFront(args[0], axes[0]), BatchAxes.Prepend(batchSize, attrs.Shape!.Value)), 0);
}

/// <summary>transpose: output axis i is input axis Perm[i].</summary>
internal sealed class TransposeRule() : PrimitiveRule(OpCode.Transpose)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var perm = Checks.Required(Op, attrs.Perm, "permutation");
        Checks.PerAxis(Op, perm, "permutation", x.Shape);
        var seen = new bool[perm.Length];
        var dims = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            if (perm[i] < 0 || perm[i] >= perm.Length || seen[perm[i]])
                throw Checks.Error(Op, $"({string.Join(",", perm)}) is not a permutation of the {x.Shape.Rank} axes of {x}; " +
                    $"list each axis 0..{x.Shape.Rank - 1} exactly once");
            seen[perm[i]] = true;
            dims[i] = x.Shape[perm[i]];
        }
        return new TensorType(new Shape(dims), x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var perm = attrs.Perm!;
        var inStrides = inputTypes[0].Shape.Strides();
        var strides = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) strides[i] = inStrides[perm[i]];
        return HostArrays.Take(inputs[0], HostArrays.StridedMap(output.Shape, strides, 0), output.DType);
    }

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var perm = output.Attrs.Perm!;
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return [Ir.Transpose(cotangent, inverse)];
    }

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Transpose(t, output.Attrs.Perm!) : null;

    /// <summary>The batch moves to axis 0 and stays there; the permutation shifts past it.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var x = BatchAxes.ToFront(args[0], axes[0]);
        return (Ir.Transpose(x, BatchAxes.Prepend(0, BatchAxes.Shift(attrs.Perm!))), 0);
    }
}

/// <summary>broadcast_in_dim: NumPy broadcast_to(x, Shape).</summary>
internal sealed class BroadcastRule() : PrimitiveRule(OpCode.Broadcast)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var target = Checks.Required(Op, attrs.Shape, "shape");
        if (!x.Shape.BroadcastsTo(target))
            throw Checks.Error(Op, $"cannot broadcast {x} to {target} (NumPy rules: trailing dimensions must match or be 1, " +
                "and the target rank must not be smaller)");
        return new TensorType(target, x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        HostArrays.Take(inputs[0], HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape), output.DType);

    public override Node?[] Vjp(Node output, Node cotangent) => [Ir.SumToShape(cotangent, output.Inputs[0].Shape)];

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Broadcast(t, output.Shape) : null;

    /// <summary>
    /// The batched operand gets size-1 axes after the batch up to the target's rank (NumPy broadcasting adds axes
    /// on the left of each example), then broadcasts to [batch, ...target].
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var target = attrs.Shape!.Value;
        var aligned = BatchAxes.ExpandAfterBatch(BatchAxes.ToFront(args[0], axes[0]), target.Rank);
        return (Ir.Broadcast(aligned, BatchAxes.Prepend(batchSize, target)), 0);
    }
}

internal static class ReshapeRules
{
    public static PrimitiveRule[] Create() => [new ReshapeRule(), new TransposeRule(), new BroadcastRule()];
}
