namespace Tracer.Compiler;

/// <summary>
/// Checks a graph's invariants: every equation's operands are defined before it, belong to the graph, and its
/// recorded type is what its shape rule gives. Run after every pass in tests.
/// </summary>
public static class Verifier
{
    /// <summary>Checks that every equation is well typed and in dependency order; throws naming the first violation.</summary>
    public static void Verify(Graph graph)
    {
        var defined = new bool[graph.IdCount];
        foreach (var x in graph.InputArray) Define(graph, x, defined);
        foreach (var c in graph.CaptureArray) Define(graph, c.Inner, defined);
        foreach (var eq in graph.EquationArray)
        {
            var types = new TensorType[eq.InputArray.Length];
            for (int i = 0; i < types.Length; i++)
            {
                var input = eq.InputArray[i];
                if (!ReferenceEquals(input.Owner, graph.Builder) || !defined[input.Id])
                    throw new InvalidOperationException($"verifier: {eq} uses %{input.Id} before it is defined");
                types[i] = input.Type;
            }
            if (eq.Op is not (OpCode.Literal or OpCode.Constant))
            {
                var expected = graph.Rules.Get(eq.Op).InferType(eq.Attrs, types);
                if (expected != eq.Type)
                    throw new InvalidOperationException($"verifier: {eq} has type {eq.Type} but its rule gives {expected}");
            }
            Define(graph, eq, defined);
        }
        foreach (var o in graph.OutputArray)
        {
            if (!defined[o.Id]) throw new InvalidOperationException($"verifier: output %{o.Id} is not defined");
        }
    }

    private static void Define(Graph graph, Node n, bool[] defined)
    {
        if (!ReferenceEquals(n.Owner, graph.Builder) || n.Id >= defined.Length)
            throw new InvalidOperationException($"verifier: {n} does not belong to this graph");
        if (defined[n.Id]) throw new InvalidOperationException($"verifier: {n} is defined twice");
        defined[n.Id] = true;
    }
}
