namespace Tracer.Compiler;

/// <summary>
/// Forward-mode differentiation as a graph transform: one sweep in equation order calls each primitive's JVP rule,
/// which emits the tangent computation next to the primal one. Tangents are symbolic zeros (null) until an input
/// with a tangent reaches them.
/// </summary>
public static class ForwardMode
{
    /// <summary>
    /// <paramref name="graph"/>'s inputs [0, primalCount) are primals and [primalCount, 2·primalCount) their tangents
    /// (of the same types; the traced function ignores them). The result has the same inputs and outputs
    /// [outputs..., output tangents...].
    /// </summary>
    public static Graph Jvp(Graph graph, int primalCount)
    {
        if (graph.Inputs.Count < 2 * primalCount)
            throw new ArgumentException($"forward mode: {primalCount} primals need as many tangent inputs; the graph has {graph.Inputs.Count} inputs");
        var builder = new GraphBuilder(graph.Rules, graph.Parent);
        using var scope = builder.Activate();
        var map = Replay.MapInputs(graph, builder);
        var tangents = new Node?[graph.IdCount];
        for (int i = 0; i < primalCount; i++)
        {
            var x = graph.InputArray[i];
            var t = graph.InputArray[primalCount + i];
            if (t.Type != x.Type)
                throw new ArgumentException($"forward mode: tangent {i} has type {t.Type} but its primal is {x.Type}; they must match");
            if (x.DType.IsFloat()) tangents[x.Id] = map[t.Id];
        }
        Sweep(graph, map, tangents);
        var outputs = new List<Node>(Replay.MapAll(graph.OutputArray, map));
        foreach (var o in graph.OutputArray) outputs.Add(tangents[o.Id] ?? Ir.ZerosLike(map[o.Id]));
        return builder.Build(outputs);
    }

    /// <summary>
    /// Copies each equation and computes its tangent from its inputs' tangents. The results of one control-flow
    /// construct are handled together at the first of them: one construct computes every result and its tangent,
    /// and stands in for the original construct too.
    /// </summary>
    public static void Sweep(Graph graph, Node[] map, Node?[] tangents)
    {
        var siblings = Siblings.Of(graph);
        foreach (var eq in graph.EquationArray)
        {
            if (map[eq.Id] is not null) continue;   // a result of a construct already handled with its siblings
            if (eq.Op is OpCode.Literal or OpCode.Constant)
            {
                map[eq.Id] = Replay.Copy(eq, map);
                continue;
            }
            var inputTangents = InputTangents(eq, tangents);
            var rule = graph.Rules.Get(eq.Op);
            if (inputTangents is not null && !rule.IsNonDifferentiable && rule is ControlFlowRule flow && siblings[eq.Id] is { } group)
            {
                var args = Replay.MapAll(eq.InputArray, map);
                // The construct replaces the original, so it keeps the original's source location (DebugNans).
                var (primals, resultTangents) = Replay.WithSource(Ir.B, eq.Source, () => flow.JvpAll(eq.Attrs, args, inputTangents));
                foreach (var member in group)
                {
                    map[member.Id] = primals[member.Attrs.Index];
                    tangents[member.Id] = Checked(member, primals[member.Attrs.Index], resultTangents[member.Attrs.Index]);
                }
                continue;
            }
            var primal = Replay.Copy(eq, map);
            map[eq.Id] = primal;
            if (inputTangents is null) continue;
            var tangent = rule.IsNonDifferentiable || !primal.DType.IsFloat() ? null : rule.Jvp(primal, inputTangents);
            tangents[eq.Id] = Checked(eq, primal, tangent);
        }
    }

    private static Node?[]? InputTangents(Node eq, Node?[] tangents)
    {
        Node?[]? result = null;
        for (int i = 0; i < eq.InputArray.Length; i++)
        {
            var t = tangents[eq.InputArray[i].Id];
            if (t is null) continue;
            result ??= new Node?[eq.InputArray.Length];
            result[i] = t;
        }
        return result;
    }

    private static Node? Checked(Node eq, Node primal, Node? tangent)
    {
        if (primal.Type != eq.Type)
            throw new InvalidOperationException($"{eq.Op.Name()}: JVP rule returned a primal {primal.Type} for an output of type {eq.Type}");
        if (tangent is not null && (tangent.Type != primal.Type || !primal.DType.IsFloat()))
        {
            throw new InvalidOperationException(
                $"{eq.Op.Name()}: JVP rule returned a tangent {tangent.Type} for an output of type {primal.Type}");
        }
        return tangent;
    }
}
