namespace Tracer.Compiler;

/// <summary>Static measurements of a graph, independent of any backend.</summary>
public static class GraphStats
{
    /// <summary>
    /// The most bytes of intermediate values alive at once when the equations run in order and each value is freed
    /// after its last use (outputs stay to the end; inputs and literals are not counted). This is what
    /// rematerialisation reduces: values kept from the forward pass for the backward one.
    /// </summary>
    public static long PeakLiveBytes(Graph graph)
    {
        var lastUse = new int[graph.IdCount];
        Array.Fill(lastUse, -1);
        var eqs = graph.EquationArray;
        for (int i = 0; i < eqs.Length; i++)
        {
            foreach (var input in eqs[i].InputArray) lastUse[input.Id] = i;
        }
        foreach (var o in graph.OutputArray) lastUse[o.Id] = int.MaxValue;

        var freeAt = new List<long>[eqs.Length];
        long live = 0, peak = 0;
        for (int i = 0; i < eqs.Length; i++)
        {
            var eq = eqs[i];
            if (eq.Op != OpCode.Literal)
            {
                long bytes = (long)eq.Shape.Size * ElementSize(eq.DType);
                live += bytes;
                peak = Math.Max(peak, live);
                int last = lastUse[eq.Id];
                if (last < 0) live -= bytes;                                      // dead: freed at once
                else if (last != int.MaxValue) (freeAt[last] ??= []).Add(bytes);  // freed after its last use
            }
            if (freeAt[i] is { } frees)
            {
                foreach (long b in frees) live -= b;
            }
        }
        return peak;
    }

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(DType dtype) => dtype switch
    {
        DType.Float64 => 8,
        DType.Bool => 1,
        _ => 4,
    };
}
