namespace Tracer.Compiler;

/// <summary>Turns a graph's captured values into ordinary trailing inputs, so it can stand on its own.</summary>
public static class LiftCaptures
{
    /// <summary>
    /// A copy of <paramref name="graph"/> without captures: its inputs are the original inputs followed by one input
    /// per capture; <paramref name="captured"/> gets the enclosing values those stand for, in the same order.
    /// </summary>
    public static Graph Run(Graph graph, out Node[] captured)
    {
        captured = new Node[graph.Captures.Count];
        if (captured.Length == 0) return graph;
        var builder = new GraphBuilder(graph.Rules, null);
        using var scope = builder.Activate();
        var map = new Node[graph.IdCount];
        foreach (var x in graph.InputArray) map[x.Id] = builder.Input(x.Type);
        for (int i = 0; i < captured.Length; i++)
        {
            var c = graph.CaptureArray[i];
            map[c.Inner.Id] = builder.Input(c.Inner.Type);
            captured[i] = c.Outer;
        }
        Replay.CopyEquations(graph, map);
        return builder.Build(Replay.MapAll(graph.OutputArray, map));
    }
}
