namespace Tracer.Compiler.Lowering;

/// <summary>
/// An index map from a new index space U (rank <see cref="NewRank"/>) to an old one T: old axis j takes the value
/// Shift[j] + (Source[j] &gt;= 0 ? u[Source[j]] : 0) + (Dynamic[j]?.Index evaluated at u, for gathers). Transpose,
/// broadcast, slice and gather are such maps; applying one to a fused expression rewrites only its loads.
/// </summary>
internal sealed class AxisMap(int newRank, int[] source, int[] shift, DynamicIndex?[]? dynamic = null)
{
    public int NewRank { get; } = newRank;

    public int[] Source { get; } = source;

    public int[] Shift { get; } = shift;

    /// <summary>Per old axis, a data-dependent index over U (its Stride field is unused here), or null.</summary>
    public DynamicIndex?[]? Dynamic { get; } = dynamic;

    public static AxisMap Transpose(int[] perm)
    {
        // Output axis i is input axis perm[i]: old axis perm[i] reads new axis i.
        var source = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) source[perm[i]] = i;
        return new AxisMap(perm.Length, source, new int[perm.Length]);
    }

    /// <summary>NumPy broadcast_to: trailing axes align; size-1 old axes read index 0.</summary>
    public static AxisMap Broadcast(Shape from, Shape to)
    {
        int lead = to.Rank - from.Rank;
        var source = new int[from.Rank];
        for (int j = 0; j < from.Rank; j++) source[j] = from[j] == 1 && to[j + lead] != 1 ? -1 : j + lead;
        return new AxisMap(to.Rank, source, new int[from.Rank]);
    }

    public static AxisMap Slice(int[] starts)
    {
        var source = new int[starts.Length];
        for (int j = 0; j < source.Length; j++) source[j] = j;
        return new AxisMap(starts.Length, source, (int[])starts.Clone());
    }

    /// <summary>
    /// take(x, idx, axis) with <paramref name="batchDims"/> leading axes shared by x and idx: out = x.shape[:axis] ++
    /// idx.shape[batchDims:] ++ x.shape[axis+1:]. <paramref name="index"/> is the index tensor's expression over its
    /// own axes; it is re-expressed over the output's axes. <paramref name="what"/> names the gather in the message
    /// of an out-of-range index.
    /// </summary>
    public static AxisMap Gather(Shape x, int axis, Shape indexShape, ScalarExpr index, int batchDims = 0, string? what = null)
    {
        int q = indexShape.Rank, kept = q - batchDims;
        int newRank = x.Rank - 1 + kept;
        var source = new int[x.Rank];
        for (int j = 0; j < x.Rank; j++) source[j] = j < axis ? j : j == axis ? -1 : j + kept - 1;
        var idxSource = new int[q];
        for (int k = 0; k < q; k++) idxSource[k] = k < batchDims ? k : axis + k - batchDims;
        var idxOverOut = Views.Apply(index, new AxisMap(newRank, idxSource, new int[q]));
        var dynamic = new DynamicIndex?[x.Rank];
        dynamic[axis] = new DynamicIndex(0, x[axis], idxOverOut, what);
        return new AxisMap(newRank, source, new int[x.Rank], dynamic);
    }
}

/// <summary>View transformations of fused expressions: they rewrite load address maps and never copy data.</summary>
internal static class Views
{
    /// <summary>Re-expresses <paramref name="e"/> (defined over T) over the new space U of <paramref name="map"/>.</summary>
    public static ScalarExpr Apply(ScalarExpr e, AxisMap map) =>
        ScalarExprRewriter.MapLoads(e, load => Apply(load, map));

    private static LoadExpr Apply(LoadExpr load, AxisMap map)
    {
        int offset = load.Map.Offset;
        var strides = new int[map.NewRank];
        var dynamic = new List<DynamicIndex>();
        foreach (var d in load.Dynamic) dynamic.Add(d with { Index = Apply(d.Index, map) });
        for (int j = 0; j < map.Source.Length; j++)
        {
            int s = load.Map.Strides[j];
            offset += s * map.Shift[j];
            if (map.Source[j] >= 0) strides[map.Source[j]] += s;
            // Kept even with stride 0 (a broadcast axis), so that every index is still range-checked.
            if (map.Dynamic?[j] is { } dyn) dynamic.Add(dyn with { Stride = s });
        }
        return new LoadExpr(load.Buffer, load.DType, new IndexMap(offset, strides), dynamic.ToArray());
    }

    /// <summary>
    /// Re-expresses <paramref name="e"/> over shape <paramref name="to"/> (same size, row-major reinterpretation)
    /// when every load's strides allow it without a copy; null otherwise (the caller materialises first).
    /// </summary>
    public static ScalarExpr? Reshape(ScalarExpr e, Shape from, Shape to)
    {
        bool ok = true;
        var result = ScalarExprRewriter.MapLoads(e, load =>
        {
            var r = Reshape(load, from, to);
            ok &= r is not null;
            return r ?? load;
        });
        return ok ? result : null;
    }

    private static LoadExpr? Reshape(LoadExpr load, Shape from, Shape to)
    {
        var strides = ReshapeStrides(from.Dims, load.Map.Strides, to.Dims);
        if (strides is null) return null;
        var dynamic = new DynamicIndex[load.Dynamic.Length];
        for (int i = 0; i < dynamic.Length; i++)
        {
            var index = Reshape(load.Dynamic[i].Index, from, to);
            if (index is null) return null;
            dynamic[i] = load.Dynamic[i] with { Index = index };
        }
        return new LoadExpr(load.Buffer, load.DType, new IndexMap(load.Map.Offset, strides), dynamic);
    }

    /// <summary>
    /// Strides over <paramref name="newDims"/> addressing the same elements as <paramref name="oldStrides"/> over
    /// <paramref name="oldDims"/> (NumPy's no-copy reshape): axes are grouped where the running products agree;
    /// each old group must be internally contiguous. Null when impossible.
    /// </summary>
    public static int[]? ReshapeStrides(ReadOnlySpan<int> oldDims, int[] oldStrides, ReadOnlySpan<int> newDims)
    {
        var result = new int[newDims.Length];
        long size = 1;
        foreach (int d in oldDims) size *= d;
        if (size == 0) return result;
        var dims = new List<int>();
        var strides = new List<int>();
        for (int i = 0; i < oldDims.Length; i++)
        {
            if (oldDims[i] == 1) continue;
            dims.Add(oldDims[i]);
            strides.Add(oldStrides[i]);
        }
        int oi = 0, ni = 0;
        while (ni < newDims.Length)
        {
            if (newDims[ni] == 1)
            {
                ni++;
                continue;
            }
            int oStart = oi, nStart = ni;
            long op = dims[oi++], np = newDims[ni++];
            while (op != np)
            {
                if (op < np) op *= dims[oi++];
                else np *= newDims[ni++];
            }
            for (int k = oStart; k < oi - 1; k++)
            {
                if (strides[k] != strides[k + 1] * dims[k + 1]) return null;
            }
            int s = strides[oi - 1];
            for (int k = ni - 1; k >= nStart; k--)
            {
                result[k] = newDims[k] == 1 ? 0 : s;
                s *= newDims[k];
            }
        }
        return result;
    }

    /// <summary>True for a literal or a plain strided load: free to duplicate and to view.</summary>
    public static bool IsTrivial(ScalarExpr e) => e is ConstExpr || e is LoadExpr { IsStrided: true };
}
