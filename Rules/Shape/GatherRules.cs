using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// gather(x, indices, Axis, BatchDims) = NumPy take(x, indices, axis), with TensorFlow's batch_dims: the first
/// BatchDims axes are shared by x and the indices, and example b of the indices reads only example b of x. out shape
/// = x.shape[:axis] ++ indices.shape[BatchDims:] ++ x.shape[axis+1:]. Indices are i32 in [0, x.shape[axis]); any
/// other is an <see cref="ArgumentOutOfRangeException"/> at evaluation (compiled code checks the same range).
/// scatter_add(updates, indices, Axis, Shape, BatchDims) is its transpose: zeros of Shape, then updates added at the
/// gathered positions (duplicates accumulate).
/// </summary>
/// <remarks>
/// Batch dimensions are what vmap needs when both the operand and the indices are batched: each example's indices
/// are checked against that example's axis. (Merging the batch into the gathered axis and offsetting the indices
/// made an out-of-range index of one example silently read its neighbour.)
/// </remarks>
internal static class GatherRules
{
    public static PrimitiveRule[] Create() => [new GatherRule(), new ScatterAddRule()];

    /// <summary>x.shape[:axis] ++ indices.shape[batchDims:] ++ x.shape[axis+1:].</summary>
    public static Shape GatheredShape(Shape x, Shape indices, int axis, int batchDims = 0)
    {
        var dims = new List<int>();
        for (int i = 0; i < axis; i++) dims.Add(x[i]);
        for (int i = batchDims; i < indices.Rank; i++) dims.Add(indices[i]);
        for (int i = axis + 1; i < x.Rank; i++) dims.Add(x[i]);
        return new Shape(dims.ToArray());
    }

    /// <summary>Moves axis <paramref name="from"/> of <paramref name="x"/> to position <paramref name="to"/> (a transpose; none if equal).</summary>
    public static Node MoveAxis(Node x, int from, int to)
    {
        if (from == to) return x;
        var order = new List<int>(x.Shape.Rank);
        for (int i = 0; i < x.Shape.Rank; i++)
        {
            if (i != from) order.Add(i);
        }
        order.Insert(to, from);
        return Ir.Transpose(x, order.ToArray());
    }

    public static void CheckIndices(OpCode op, TensorType indices)
    {
        if (indices.DType != DType.Int32)
            throw Checks.Error(op, $"indices must be i32, got {indices}; cast them with Cast(indices, DType.Int32)");
    }

    /// <summary>The batch axes: 0 &lt;= batchDims &lt;= axis, shared by the operand (or target) and the indices.</summary>
    public static void CheckBatchDims(OpCode op, Shape x, Shape indices, int axis, int batchDims)
    {
        if (batchDims < 0 || batchDims > axis || batchDims > indices.Rank)
            throw Checks.Error(op, $"batch_dims {batchDims} must be in [0, {Math.Min(axis, indices.Rank)}] for axis {axis} and indices {indices}");
        for (int i = 0; i < batchDims; i++)
        {
            if (x[i] != indices[i])
                throw Checks.Error(op, $"batch axis {i} differs: operand {x} has {x[i]}, indices {indices} have {indices[i]}");
        }
    }

    /// <summary>
    /// For each element of the gathered array (row-major), the flat index of the element of the full array
    /// (<paramref name="full"/>) it comes from; validates every index against its own example's axis.
    /// </summary>
    public static int[] SourceMap(OpCode op, Shape full, int axis, int[] indices, Shape indicesShape, int batchDims = 0)
    {
        int batch = 1, outer = 1, inner = 1, dim = full[axis];
        for (int i = 0; i < batchDims; i++) batch *= full[i];
        for (int i = batchDims; i < axis; i++) outer *= full[i];
        for (int i = axis + 1; i < full.Rank; i++) inner *= full[i];
        int perExample = batch == 0 ? 0 : indices.Length / batch;
        for (int j = 0; j < indices.Length; j++)
        {
            int ix = indices[j];
            if (ix < 0 || ix >= dim)
            {
                string where = batchDims == 0 ? "" : $" in batch element {j / perExample}";
                throw new ArgumentOutOfRangeException("indices",
                    $"{op.Name()}: index {ix}{where} is out of range for axis {axis} of size {dim} (shape {full}, indices {indicesShape}); " +
                    $"indices must be in [0, {dim}); negative indices are not supported");
            }
        }
        var map = new int[batch * outer * perExample * inner];
        int k = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outer; o++)
            {
                for (int j = 0; j < perExample; j++)
                {
                    int src = ((b * outer + o) * dim + indices[b * perExample + j]) * inner;
                    for (int i = 0; i < inner; i++) map[k++] = src + i;
                }
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
        GatherRules.CheckBatchDims(Op, inputs[0].Shape, inputs[1].Shape, attrs.Axis, attrs.BatchDims);
        return new TensorType(GatherRules.GatheredShape(inputs[0].Shape, inputs[1].Shape, attrs.Axis, attrs.BatchDims), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = GatherRules.SourceMap(Op, inputTypes[0].Shape, attrs.Axis, (int[])inputs[1], inputTypes[1].Shape, attrs.BatchDims);
        return HostArrays.Take(inputs[0], map, output.DType);
    }

    /// <summary>x gets the cotangent scattered back (duplicates add up); the indices get none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        Node x = output.Inputs[0], indices = output.Inputs[1];
        return [Ir.ScatterAdd(cotangent, indices, output.Attrs.Axis, x.Shape, output.Attrs.BatchDims), null];
    }

    /// <summary>Linear in x: gather the tangent of x at the same indices.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.Gather(t, output.Inputs[1], output.Attrs.Axis, output.Attrs.BatchDims) : null;

    /// <summary>
    /// The vmapped batch becomes a batch dimension of the gather, placed right after the existing ones (bd):
    /// only x batched: x's batch moves to axis bd, the gather one axis further in, output batched at bd; only the
    /// indices batched: their batch moves to axis bd and lands at <c>axis</c> in the output; both: both batches go
    /// to the front and become one more batch dimension, so each example's indices read (and are range-checked
    /// against) that example's x only.
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        int axis = attrs.Axis, bd = attrs.BatchDims;
        if (axes[1] < 0) return (Ir.Gather(GatherRules.MoveAxis(args[0], axes[0], bd), args[1], axis + 1, bd), bd);
        if (axes[0] < 0) return (Ir.Gather(args[0], GatherRules.MoveAxis(args[1], axes[1], bd), axis, bd), axis);
        var x = BatchAxes.ToFront(args[0], axes[0]);
        var indices = BatchAxes.ToFront(args[1], axes[1]);
        return (Ir.Gather(x, indices, axis + 1, bd + 1), 0);
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
        GatherRules.CheckBatchDims(Op, target, inputs[1].Shape, attrs.Axis, attrs.BatchDims);
        var expected = GatherRules.GatheredShape(target, inputs[1].Shape, attrs.Axis, attrs.BatchDims);
        if (updates.Shape != expected)
            throw Checks.Error(Op, $"updates {updates.Shape} do not match target {target} with indices {inputs[1].Shape} on axis " +
                $"{attrs.Axis}: expected updates of shape {expected} (target[:axis] ++ indices[batch_dims:] ++ target[axis+1:])");
        return new TensorType(target, updates.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = GatherRules.SourceMap(Op, output.Shape, attrs.Axis, (int[])inputs[1], inputTypes[1].Shape, attrs.BatchDims);
        var result = output.DType.NewArray(output.Shape.Size);
        HostArrays.AddAt(inputs[0], map, result);
        return result;
    }

    /// <summary>The updates get the cotangent gathered at the positions they were added to; the indices get none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent) =>
        [Ir.Gather(cotangent, output.Inputs[1], output.Attrs.Axis, output.Attrs.BatchDims), null];

    /// <summary>Linear in the updates: scatter their tangent at the same indices.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[0] is { } t ? Ir.ScatterAdd(t, output.Inputs[1], output.Attrs.Axis, output.Shape, output.Attrs.BatchDims) : null;

    /// <summary>
    /// As for gather: only the updates batched: their batch moves to axis bd of the updates and of the target;
    /// batched indices (with the updates broadcast along the batch if they are not batched): both batches go to
    /// the front and become one more batch dimension, so each example adds only into its own slab.
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        int axis = attrs.Axis, bd = attrs.BatchDims;
        var target = attrs.Shape!.Value;
        var dims = new List<int>(target.ToArray());
        dims.Insert(bd, batchSize);
        var batchedTarget = new Shape(dims.ToArray());
        if (axes[1] < 0)
            return (Ir.ScatterAdd(GatherRules.MoveAxis(args[0], axes[0], bd), args[1], axis + 1, batchedTarget, bd), bd);
        var updates = BatchAxes.Materialize(args[0], axes[0], batchSize);
        var indices = BatchAxes.ToFront(args[1], axes[1]);
        return (Ir.ScatterAdd(updates, indices, axis + 1, BatchAxes.Prepend(batchSize, target), bd + 1), 0);
    }
}
