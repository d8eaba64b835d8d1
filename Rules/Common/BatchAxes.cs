using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Helpers shared by the batching (vmap) rules. The convention: most rules move the batch axis of every batched
/// operand to the front and return their output batched on axis 0; per-example attributes (axes, permutations,
/// starts...) then shift by one.
/// </summary>
internal static class BatchAxes
{
    /// <summary>Moves axis <paramref name="axis"/> of <paramref name="x"/> to position 0 (a transpose; none if already there).</summary>
    public static Node ToFront(Node x, int axis) => axis == 0 ? x : Ir.Transpose(x, MoveAxisFirst(x.Shape.Rank, axis));

    /// <summary>The permutation of <paramref name="rank"/> axes that moves <paramref name="axis"/> to the front.</summary>
    public static int[] MoveAxisFirst(int rank, int axis)
    {
        var perm = new int[rank];
        perm[0] = axis;
        for (int i = 0, k = 1; i < rank; i++)
        {
            if (i != axis) perm[k++] = i;
        }
        return perm;
    }

    /// <summary>
    /// <paramref name="x"/> with its batch at axis 0: moved there if batched, broadcast along a new leading axis of
    /// size <paramref name="batchSize"/> if not (<paramref name="axis"/> = -1).
    /// </summary>
    public static Node Materialize(Node x, int axis, int batchSize)
    {
        if (axis >= 0) return ToFront(x, axis);
        var dims = new int[x.Shape.Rank + 1];
        dims[0] = batchSize;
        x.Shape.Dims.CopyTo(dims.AsSpan(1));
        return Ir.Broadcast(x, new Shape(dims));
    }

    /// <summary>
    /// Operands of an op with NumPy broadcasting (elementwise ops, matmul's batch axes), prepared so the op can run
    /// on the whole batch: each batched operand gets its batch at axis 0 followed by size-1 axes up to the largest
    /// per-example rank (so its per-example axes stay right-aligned against the others); unbatched operands stay
    /// as they are and broadcast along the batch. The op's output is then batched on axis 0.
    /// </summary>
    public static Node[] AlignForBroadcast(Node[] args, int[] axes)
    {
        int rank = 0;
        for (int i = 0; i < args.Length; i++) rank = Math.Max(rank, args[i].Shape.Rank - (axes[i] >= 0 ? 1 : 0));
        var result = new Node[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (axes[i] < 0)
            {
                result[i] = args[i];
                continue;
            }
            result[i] = ExpandAfterBatch(ToFront(args[i], axes[i]), rank);
        }
        return result;
    }

    /// <summary>
    /// <paramref name="x"/> (batch at axis 0) reshaped to a per-example rank of <paramref name="rank"/> by inserting
    /// size-1 axes right after the batch axis: where NumPy broadcasting would add them to each example.
    /// </summary>
    public static Node ExpandAfterBatch(Node x, int rank)
    {
        int missing = rank - (x.Shape.Rank - 1);
        var dims = new int[rank + 1];
        dims[0] = x.Shape[0];
        for (int d = 1; d <= missing; d++) dims[d] = 1;
        for (int d = 1; d < x.Shape.Rank; d++) dims[missing + d] = x.Shape[d];
        return Ir.Reshape(x, new Shape(dims));
    }

    /// <summary>Batches a broadcasting op: aligned operands (see <see cref="AlignForBroadcast"/>), output on axis 0.</summary>
    public static (Node, int) Broadcasting(OpCode op, Attrs attrs, Node[] args, int[] axes) =>
        (Ir.B.Emit(op, attrs, AlignForBroadcast(args, axes)), 0);

    /// <summary>Per-example axes shifted by one past a leading batch axis.</summary>
    public static int[] Shift(int[] axes)
    {
        var result = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) result[i] = axes[i] + 1;
        return result;
    }

    /// <summary><paramref name="values"/> with <paramref name="first"/> prepended (starts/ends/padding of the batch axis).</summary>
    public static int[] Prepend(int first, int[] values)
    {
        var result = new int[values.Length + 1];
        result[0] = first;
        values.CopyTo(result, 1);
        return result;
    }

    /// <summary><paramref name="shape"/> with a leading batch axis of <paramref name="batchSize"/>.</summary>
    public static Shape Prepend(int batchSize, Shape shape) => new(Prepend(batchSize, shape.ToArray()));

    /// <summary>0, 1, ..., rank-1.</summary>
    public static int[] AllAxes(int rank)
    {
        var axes = new int[rank];
        for (int i = 0; i < rank; i++) axes[i] = i;
        return axes;
    }
}
