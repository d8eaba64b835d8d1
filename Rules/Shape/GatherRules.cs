using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// gather(x, indices, Axis) = NumPy take(x, indices, axis): out shape = x.shape[:axis] ++ indices.shape ++
/// x.shape[axis+1:]. Indices are i32 in [0, x.shape[axis]); anything else is an error at evaluation.
/// scatter_add(updates, indices, Axis, Shape) is its transpose: zeros of Shape, then updates added at the
/// gathered positions (duplicates accumulate).
/// </summary>
internal static class GatherRules
{
    public static PrimitiveRule[] Create() => [new GatherRule(), new ScatterAddRule()];

    /// <summary>x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:].</summary>
    public static Shape GatheredShape(Shape x, Shape indices, int axis)
    {
        var dims = new List<int>();
        for (int i = 0; i < axis; i++) dims.Add(x[i]);
        for (int i = 0; i < indices.Rank; i++) dims.Add(indices[i]);
        for (int i = axis + 1; i < x.Rank; i++) dims.Add(x[i]);
        return new Shape(dims.ToArray());
    }

    /// <summary>The inverse of <see cref="BatchAxes.MoveAxisFirst"/>: puts axis 0 back at <paramref name="axis"/>.</summary>
    public static int[] MoveAxisBack(int rank, int axis)
    {
        var perm = new int[rank];
        for (int i = 0; i < rank; i++) perm[i] = i < axis ? i + 1 : i == axis ? 0 : i;
        return perm;
    }

    /// <summary>Merges the first two axes of <paramref name="x"/> into one.</summary>
    public static Node MergeLeading(Node x)
    {
        var dims = new int[x.Shape.Rank - 1];
        dims[0] = x.Shape[0] * x.Shape[1];
        for (int i = 2; i < x.Shape.Rank; i++) dims[i - 1] = x.Shape[i];
        return Ir.Reshape(x, new Shape(dims));
    }

    /// <summary>
    /// Indices [B, I...] into an axis of size <paramref name="dim"/>, turned into indices into the merged
    /// (batch, axis) axis of size B·dim: example b's indices plus b·dim (an i32 constant [B, 1...] broadcast).
    /// </summary>
    public static Node FlattenBatch(Node indices, int dim)
    {
        int batch = indices.Shape[0];
        var offsets = new int[batch];
        for (int b = 0; b < batch; b++) offsets[b] = b * dim;
        var dims = new int[indices.Shape.Rank];
        Array.Fill(dims, 1);
        dims[0] = batch;
        return Ir.Add(indices, Ir.B.Constant(offsets, new Shape(dims)));
    }

    public static void CheckIndices(OpCode op, TensorType indices)
    {
        if (indices.DType != DType.Int32)
            throw Checks.Error(op, $"indices must be i32, got {indices}; cast them with Cast(indices, DType.Int32)");
    }

    /// <summary>
    /// For each element of the gathered array (row-major), the flat index of the element of the full array
    /// (<paramref name="full"/>) it comes from; validates every index.
    /// </summary>
    public static int[] SourceMap(OpCode op, Shape full, int axis, int[] indices, Shape indicesShape)
    {
        int outer = 1, inner = 1, dim = full[axis];
        for (int i = 0; i < axis; i++) outer *= full[i];
        for (int i = axis + 1; i < full.Rank; i++) inner *= full[i];
        foreach (int ix in indices)
        {
            if (ix < 0 || ix >= dim)
                throw Checks.Error(op, $"index {ix} is out of range for axis {axis} of size {dim} (shape {full}, indices {indicesShape}); " +
                    $"indices must be in [0, {dim}); negative indices are not supported");
        }
        var map = new int[outer * indices.Length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < indices.Length; j++)
            {
                int src = (o * dim + indices[j]) * inner;
                for (int i = 0; i < inner; i++) map[k++] = src + i;
            }
        }
        return map;
    }
}

internal sealed class GatherRule() : PrimitiveRule(OpCode.Gather)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.Axis(Op, attrs.Axis, inputs[0].Shape);
        GatherRules.CheckIndices(Op, inputs[1]);
        return new TensorType(GatherRules.GatheredShape(inputs[0].Shape, inputs[1].Shape, attrs.Axis), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = GatherRules.SourceMap(Op, inputTypes[0].Shape, attrs.Axis, (int[])inputs[1], inputTypes[1].Shape);
        return HostArrays.Take(inputs[0], map, output.DType);
    }

    /// <summary>x gets the cotangent scattered back (duplicates add up); the indices get none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        Node x = output.Inputs[0], indices = output.Inputs[1];
        return [Ir.ScatterAdd(cotangent, indices, output.Attrs.Axis, x.Shape), null];
    }

    /// <summary>Linear in x: gather the tangent of x at the same indices.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Gather(t, output.Inputs[1], output.Attrs.Axis) : null;

    /// <summary>
    /// Three cases. Only x batched: gather one axis further in. Only the indices batched: the batch is just
    /// another index axis, so the gather is unchanged and the batch lands at <c>axis</c> in the output. Both:
    /// each example must read its own slab of x, so x's batch and gather axes are merged into one axis of size
    /// batch·dim and example b's indices are offset by b·dim (see <see cref="GatherRules.FlattenBatch"/>).
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        int axis = attrs.Axis;
        if (axes[1] < 0) return (Ir.Gather(BatchAxes.ToFront(args[0], axes[0]), args[1], axis + 1), 0);
        var indices = BatchAxes.ToFront(args[1], axes[1]);
        if (axes[0] < 0) return (Ir.Gather(args[0], indices, axis), axis);

        // x: [B, pre..., D, post...] -> [B, D, pre..., post...] -> [B*D, pre..., post...]
        var x = BatchAxes.ToFront(args[0], axes[0]);
        int dim = x.Shape[axis + 1], rank = x.Shape.Rank;
        var toFront = BatchAxes.Prepend(0, BatchAxes.MoveAxisFirst(rank - 1, axis));
        for (int i = 1; i < rank; i++) toFront[i] += 1;
        var merged = GatherRules.MergeLeading(Ir.Transpose(x, toFront));
        // out: [B, I..., pre..., post...] -> [B, pre..., I..., post...]
        var gathered = Ir.Gather(merged, GatherRules.FlattenBatch(indices, dim), 0);
        int ir = indices.Shape.Rank - 1;
        var perm = new List<int> { 0 };
        for (int i = 0; i < axis; i++) perm.Add(1 + ir + i);
        for (int i = 0; i < ir; i++) perm.Add(1 + i);
        for (int i = axis + 1; i < rank - 1; i++) perm.Add(ir + i);
        return (Ir.Transpose(gathered, perm.ToArray()), 0);
    }
}

internal sealed class ScatterAddRule() : PrimitiveRule(OpCode.ScatterAdd)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        var updates = inputs[0];
        var target = Checks.Required(Op, attrs.Shape, "shape");
        Checks.Axis(Op, attrs.Axis, target);
        GatherRules.CheckIndices(Op, inputs[1]);
        Checks.Numeric(Op, updates, allowInt32: true);
        var expected = GatherRules.GatheredShape(target, inputs[1].Shape, attrs.Axis);
        if (updates.Shape != expected)
            throw Checks.Error(Op, $"updates {updates.Shape} do not match target {target} with indices {inputs[1].Shape} on axis " +
                $"{attrs.Axis}: expected updates of shape {expected} (target[:axis] ++ indices ++ target[axis+1:])");
        return new TensorType(target, updates.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = GatherRules.SourceMap(Op, output.Shape, attrs.Axis, (int[])inputs[1], inputTypes[1].Shape);
        var result = output.DType.NewArray(output.Shape.Size);
        HostArrays.AddAt(inputs[0], map, result);
        return result;
    }

    /// <summary>The updates get the cotangent gathered at the positions they were added to; the indices get none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent) =>
        [Ir.Gather(cotangent, output.Inputs[1], output.Attrs.Axis), null];

    /// <summary>Linear in the updates: scatter their tangent at the same indices.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.ScatterAdd(t, output.Inputs[1], output.Attrs.Axis, output.Shape) : null;

    /// <summary>
    /// Only the updates batched: scatter one axis further in. Batched indices (with updates broadcast along the
    /// batch if they are not batched): the transpose of the gather trick, i.e. each example adds into its own slab
    /// of a target whose batch and scatter axes are merged, with example b's indices offset by b·dim.
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        int axis = attrs.Axis;
        var target = attrs.Shape!.Value;
        var updates = BatchAxes.Materialize(args[0], axes[0], batchSize);
        if (axes[1] < 0) return (Ir.ScatterAdd(updates, args[1], axis + 1, BatchAxes.Prepend(batchSize, target)), 0);

        var indices = BatchAxes.ToFront(args[1], axes[1]);
        int dim = target[axis], ir = indices.Shape.Rank - 1, tr = target.Rank;
        // updates: [B, pre..., I..., post...] -> [B, I..., pre..., post...]
        var perm = new List<int> { 0 };
        for (int i = 0; i < ir; i++) perm.Add(1 + axis + i);
        for (int i = 0; i < axis; i++) perm.Add(1 + i);
        for (int i = axis + 1; i < tr; i++) perm.Add(ir + i);
        var rest = new List<int> { batchSize * dim };
        for (int i = 0; i < tr; i++)
        {
            if (i != axis) rest.Add(target[i]);
        }
        var scattered = Ir.ScatterAdd(Ir.Transpose(updates, perm.ToArray()), GatherRules.FlattenBatch(indices, dim), 0, new Shape(rest.ToArray()));
        // [B*D, pre..., post...] -> [B, D, pre..., post...] -> [B, pre..., D, post...]
        rest[0] = dim;
        var split = Ir.Reshape(scattered, BatchAxes.Prepend(batchSize, new Shape(rest.ToArray())));
        var back = BatchAxes.Prepend(0, GatherRules.MoveAxisBack(tr, axis));
        for (int i = 1; i <= tr; i++) back[i] += 1;
        return (Ir.Transpose(split, back), 0);
    }
}
