namespace Tracer.Compiler;

/// <summary>
/// Copies a graph's equations into the current trace. The basis of inlining (a compiled function called while
/// tracing another), of transforms (which replay the forward pass before adding the backward one) and of passes.
/// </summary>
public static class Replay
{
    /// <summary>
    /// Inlines <paramref name="graph"/> into the current trace with its inputs bound to <paramref name="args"/>;
    /// its captures resolve to the enclosing values they stand for. Returns the values of its outputs.
    /// </summary>
    public static Node[] Inline(Graph graph, IReadOnlyList<Node> args)
    {
        if (args.Count != graph.InputArray.Length)
            throw new ArgumentException($"graph expects {graph.InputArray.Length} inputs, got {args.Count}");
        var map = new Node[graph.IdCount];
        for (int i = 0; i < args.Count; i++) map[graph.InputArray[i].Id] = args[i];
        foreach (var c in graph.CaptureArray) map[c.Inner.Id] = c.Outer;
        CopyEquations(graph, map);
        return MapAll(graph.OutputArray, map);
    }

    /// <summary>
    /// Starts the copy of <paramref name="graph"/> in <paramref name="builder"/> (current): fresh inputs of the same
    /// types and the same captures. Returns the map from old node ids to new nodes.
    /// </summary>
    public static Node[] MapInputs(Graph graph, GraphBuilder builder)
    {
        var map = new Node[graph.IdCount];
        foreach (var x in graph.InputArray) map[x.Id] = builder.Input(x.Type);
        foreach (var c in graph.CaptureArray) map[c.Inner.Id] = builder.Resolve(c.Outer);
        return map;
    }

    /// <summary>Copies every equation into the current trace, filling <paramref name="map"/>.</summary>
    public static void CopyEquations(Graph graph, Node[] map)
    {
        foreach (var eq in graph.EquationArray) map[eq.Id] = Copy(eq, map);
    }

    /// <summary>Re-emits one equation with its inputs mapped.</summary>
    public static Node Copy(Node eq, Node[] map)
    {
        var b = Ir.B;
        switch (eq.Op)
        {
            case OpCode.Literal:
                return b.Literal(eq.Attrs.Value, eq.DType);
            case OpCode.Constant:
                return b.Constant(eq.Attrs.Data!, eq.Shape);
            default:
                var args = new Node[eq.InputArray.Length];
                for (int i = 0; i < args.Length; i++) args[i] = map[eq.InputArray[i].Id];
                if (eq.Source is null) return b.Emit(eq.Op, eq.Attrs, args);
                return WithSource(b, eq.Source, () => b.Emit(eq.Op, eq.Attrs, args));
        }
    }

    /// <summary>Runs <paramref name="emit"/> with <paramref name="source"/> as the builder's source hint.</summary>
    public static T WithSource<T>(GraphBuilder b, string? source, Func<T> emit)
    {
        var saved = b.SourceHint;
        b.SourceHint = source ?? saved;
        try
        {
            return emit();
        }
        finally
        {
            b.SourceHint = saved;
        }
    }

    /// <summary>The images of <paramref name="nodes"/> under <paramref name="map"/> (indexed by node id).</summary>
    public static Node[] MapAll(Node[] nodes, Node[] map)
    {
        var result = new Node[nodes.Length];
        for (int i = 0; i < nodes.Length; i++) result[i] = map[nodes[i].Id];
        return result;
    }
}
