using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    // ---- sorting along one axis --------------------------------------------------------------------------------
    // argsort is the primitive (an integer result, no derivative). Sort and TopK gather x at its indices, so their
    // gradient is gather's: the cotangent scattered back through the permutation, itself differentiable again.

    /// <summary>
    /// The i32 indices that sort <paramref name="x"/> along <paramref name="axis"/> (default last), stably: equal
    /// elements keep their order. NaN counts as larger than every number (last ascending, first descending).
    /// </summary>
    public static Tensor ArgSort(Tensor x, int axis = -1, bool descending = false)
    {
        x = SortOperand(x, "ArgSort");
        int a = NormalizeAxis("ArgSort", x, axis);
        return Dispatch.Apply(OpCode.ArgSort, new Attrs { Axis = a, Reverse = descending }, x);
    }

    /// <summary>
    /// <paramref name="x"/> sorted along <paramref name="axis"/> (default last), stably, NaN last (first when
    /// <paramref name="descending"/>). Differentiable: the gradient goes back to where each element came from.
    /// </summary>
    public static Tensor Sort(Tensor x, int axis = -1, bool descending = false)
    {
        NotNull(x, "Sort");
        if (x.DType == DType.Bool)
            throw new ArgumentException($"Sort: expects a float or i32 tensor, got {x.Type}; cast it with Cast(x, DType.Int32)");
        int a = NormalizeAxis("Sort", SortOperand(x, "Sort"), axis);
        return TakeAlongAxis(x, ArgSort(x, a, descending), a);
    }

    /// <summary>
    /// The <paramref name="k"/> largest entries along the last axis, largest first (equal ones in their original
    /// order), and their i32 positions. Differentiable in the values.
    /// </summary>
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, int k)
    {
        x = SortOperand(x, "TopK");
        int n = x.Shape[x.Shape.Rank - 1];
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK: k = {k} must be in [0, {n}] for {x.Type} (the last axis has {n} entries)");
        int last = x.Shape.Rank - 1;
        var indices = SliceAxis(ArgSort(x, last, descending: true), last, 0, k);
        return (TakeAlongAxis(x, indices, last), indices);
    }

    /// <summary>
    /// NumPy's take_along_axis: out[..., j, ...] = x[..., indices[..., j, ...], ...] along <paramref name="axis"/>,
    /// the other axes shared. A gather with batch dimensions after moving the axis last.
    /// </summary>
    internal static Tensor TakeAlongAxis(Tensor x, Tensor indices, int axis)
    {
        int rank = x.Shape.Rank, last = rank - 1;
        if (axis == last)
            return Dispatch.Apply(OpCode.Gather, new Attrs { Axis = last, BatchDims = last }, x, indices);
        var perm = new int[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        (perm[axis], perm[last]) = (last, axis);   // a swap is its own inverse
        return Transpose(TakeAlongAxis(Transpose(x, perm), Transpose(indices, perm), last), perm);
    }

    private static Tensor SortOperand(Tensor x, string op)
    {
        NotNull(x, op);
        if (x.Shape.Rank == 0)
            throw new ArgumentException($"{op}: needs at least one axis, got the scalar {x.Type}; reshape it to [1] first");
        return x.DType == DType.Bool ? Cast(x, DType.Int32) : x;
    }
}
