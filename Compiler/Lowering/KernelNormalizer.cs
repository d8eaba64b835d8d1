namespace Tracer.Compiler.Lowering;

/// <summary>
/// Builds loop kernels in canonical form: kept axes first and reduced axes last (so a reduction keeps its
/// accumulator in a register), size-1 axes dropped, and adjacent axes merged wherever every address map (the
/// output's and every load's) is contiguous across them. An elementwise kernel over contiguous operands becomes a
/// single flat loop; broadcasting or transposed operands keep the axes they need.
/// </summary>
public static class KernelNormalizer
{
    // One array per small flat domain ([] and [n] for n < 256), shared by every kernel over it: a program of many
    // small kernels otherwise holds one per kernel. Domains are never written after a kernel is built.
    private static readonly int[][] FlatDomains = CreateFlatDomains();

    private static int[][] CreateFlatDomains()
    {
        var d = new int[256][];
        for (int n = 0; n < d.Length; n++) d[n] = [n];
        return d;
    }

    private static int[] SharedDomain(int[] domain) => domain.Length switch
    {
        0 => [],
        1 when domain[0] is >= 0 and < 256 => FlatDomains[domain[0]],
        _ => domain,
    };

    /// <summary>
    /// A loop kernel computing <paramref name="body"/> over <paramref name="domain"/>, normalised: reduced axes moved
    /// last, size-1 axes dropped and contiguous axes merged, with every map permuted to match.
    /// </summary>
    /// <param name="output">The buffer written.</param>
    /// <param name="domain">Extent of each loop axis, in any order.</param>
    /// <param name="reduced">Per domain axis, whether it is reduced (null: none).</param>
    /// <param name="outMap">The output address of each domain point (stride 0 on reduced axes).</param>
    /// <param name="outDynamic">Data-dependent output address terms (scatter_add); empty otherwise.</param>
    /// <param name="body">The value computed at each point, its loads' maps over the same domain.</param>
    /// <param name="mode">Store or accumulate into the output.</param>
    /// <param name="reduceOp">The reduction over the reduced axes, or null for a map kernel.</param>
    /// <param name="label">The graph nodes the kernel computes, for comments in printed code.</param>
    /// <param name="interner">When given, the kernel's expressions are shared with the program's other kernels.</param>
    public static LoopKernel Create(int output, int[] domain, bool[]? reduced, IndexMap outMap, DynamicIndex[] outDynamic,
        ScalarExpr body, WriteMode mode = WriteMode.Store, OpCode? reduceOp = null, string label = "", ScalarExprInterner? interner = null)
    {
        int rank = domain.Length;
        reduced ??= new bool[rank];

        // 1. Order: kept axes, then reduced axes; drop size-1 axes (they contribute nothing to any address).
        var order = new List<int>();
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < rank; i++)
            {
                if (reduced[i] == (pass == 1) && domain[i] != 1) order.Add(i);
            }
        }

        // 2. Merge runs of adjacent axes (same kind) that every map traverses contiguously.
        var maps = new List<IndexMap> { outMap };
        ScalarExprRewriter.VisitLoads(body, l => maps.Add(l.Map));
        foreach (var d in outDynamic) ScalarExprRewriter.VisitLoads(d.Index, l => maps.Add(l.Map));
        var groups = new List<List<int>>();
        foreach (int axis in order)
        {
            if (groups.Count > 0)
            {
                var last = groups[^1];
                int prev = last[^1];
                if (reduced[prev] == reduced[axis] && maps.TrueForAll(m => m.Strides[prev] == m.Strides[axis] * domain[axis]))
                {
                    last.Add(axis);
                    continue;
                }
            }
            groups.Add([axis]);
        }

        var newDomain = new int[groups.Count];
        int reducedCount = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            long size = 1;
            foreach (int axis in groups[g]) size *= domain[axis];
            newDomain[g] = checked((int)size);
            if (reduced[groups[g][0]]) reducedCount++;
        }
        newDomain = SharedDomain(newDomain);

        // Each merged group is addressed with the stride of its innermost axis. When every axis stays as it is (the
        // common flat kernel), maps are kept (as their shared instance when there is one) rather than copied.
        bool unchanged = groups.Count == rank;
        for (int g = 0; unchanged && g < groups.Count; g++) unchanged = groups[g].Count == 1 && groups[g][0] == g;
        IndexMap Remap(IndexMap m)
        {
            if (unchanged) return IndexMap.Shared(m);
            var strides = new int[groups.Count];
            for (int g = 0; g < groups.Count; g++) strides[g] = m.Strides[groups[g][^1]];
            return IndexMap.Shared(m.Offset, strides);
        }

        // A reduction whose reduced axes all had size 1 reduces nothing: it is a copy. Kept as a reduction, the
        // vector code generator would treat the innermost kept axis as the one to reduce across its lanes (and
        // store only the scalar tail), so it is emitted as the elementwise kernel it is.
        if (reducedCount == 0 && mode == WriteMode.Store) reduceOp = null;

        var newBody = ScalarExprRewriter.MapIndexMaps(body, Remap, interner);
        var newOutDynamic = outDynamic.Length == 0 ? [] : new DynamicIndex[outDynamic.Length];
        for (int i = 0; i < outDynamic.Length; i++)
            newOutDynamic[i] = outDynamic[i] with { Index = ScalarExprRewriter.MapIndexMaps(outDynamic[i].Index, Remap, interner) };
        return new LoopKernel(output, newDomain, Remap(outMap), newOutDynamic, newBody, mode, reduceOp, reducedCount)
        {
            Label = label,
        };
    }
}
