namespace Tracer.Compiler;

/// <summary>
/// Reverse-mode differentiation as a graph-to-graph transform: replays the forward equations, then walks them
/// backwards calling each primitive's VJP rule, which emits the backward equations into the same new graph. Because
/// rules emit ordinary IR, the result can be differentiated again.
/// </summary>
public static class ReverseMode
{
    /// <summary>
    /// A graph with the same inputs (and captures) as <paramref name="graph"/> whose outputs are the original
    /// outputs followed by the gradient of the first output (one float element) w.r.t. each input in
    /// <paramref name="wrt"/>, in that order.
    /// </summary>
    public static Graph ValueAndGrad(Graph graph, IReadOnlyList<int> wrt)
    {
        var loss = graph.OutputArray[0];
        if (!loss.DType.IsFloat() || loss.Shape.Size != 1)
            throw new ArgumentException(
                $"the function to differentiate must return one float element, got {loss.Type}; reduce it first, e.g. with Sum or Mean");
        foreach (int k in wrt)
        {
            var x = graph.InputArray[k];
            if (!x.DType.IsFloat())
                throw new ArgumentException(
                    $"cannot differentiate with respect to input {k} of type {x.Type}: gradients are defined for f32 and f64 only; " +
                    "pass integer data as a later (non-differentiated) argument or cast it to a float type");
        }

        var builder = new GraphBuilder(graph.Rules, graph.Parent);
        using var scope = builder.Activate();
        var map = Replay.MapInputs(graph, builder);
        Replay.CopyEquations(graph, map);
        // The pullbacks are simplified and deduplicated as they are recorded (the primal equations stay as they are:
        // pullback rules read them); see GraphBuilder.OptimizesOnEmit.
        builder.OptimizesOnEmit = true;

        var cotangents = new Node?[graph.IdCount];
        cotangents[loss.Id] = Ir.OnesLike(map[loss.Id]);
        Backward(graph, map, cotangents);

        var outputs = new List<Node>(Replay.MapAll(graph.OutputArray, map));
        foreach (int k in wrt)
        {
            var x = graph.InputArray[k];
            outputs.Add(cotangents[x.Id] ?? Ir.ZerosLike(map[x.Id]));
        }
        return builder.Build(outputs);
    }

    /// <summary>
    /// Propagates <paramref name="cotangents"/> (indexed by the original graph's node ids) from the outputs back to
    /// the inputs. A null cotangent is a symbolic zero: its equation's rule is never called. The results of one
    /// control-flow construct are handled together, at the first of them: by then every use of every result has
    /// been visited, so all their cotangents are complete and one backward construct serves them all.
    /// </summary>
    public static void Backward(Graph graph, Node[] map, Node?[] cotangents)
    {
        var eqs = graph.EquationArray;
        var siblings = Siblings.Of(graph);
        for (int i = eqs.Length - 1; i >= 0; i--)
        {
            var eq = eqs[i];
            if (eq.Op is OpCode.Literal or OpCode.Constant) continue;
            var rule = graph.Rules.Get(eq.Op);
            if (rule.IsNonDifferentiable) continue;
            Node?[] inputCts;
            if (rule is ControlFlowRule flow && siblings[eq.Id] is { } group)
            {
                if (!ReferenceEquals(group[0], eq)) continue;
                var resultCts = ResultCotangents(group, cotangents);
                if (resultCts is null) continue;
                var primal = map[eq.Id];
                inputCts = eq.Source is null ? flow.VjpAll(primal.Attrs, primal.Inputs, resultCts)
                    : Replay.WithSource(Ir.B, eq.Source, () => flow.VjpAll(primal.Attrs, primal.Inputs, resultCts));
            }
            else
            {
                if (cotangents[eq.Id] is not { } ct) continue;
                // Backward values carry the source line of the op they differentiate (for DebugNans).
                inputCts = eq.Source is null ? rule.Vjp(map[eq.Id], ct) : Replay.WithSource(Ir.B, eq.Source, () => rule.Vjp(map[eq.Id], ct));
            }
            if (inputCts.Length != eq.InputArray.Length)
                throw new InvalidOperationException(
                    $"{eq.Op.Name()}: VJP rule returned {inputCts.Length} cotangents for {eq.InputArray.Length} inputs");
            for (int j = 0; j < inputCts.Length; j++)
            {
                var c = inputCts[j];
                var input = eq.InputArray[j];
                if (c is null || !input.DType.IsFloat()) continue;
                if (c.Type != input.Type)
                    throw new InvalidOperationException(
                        $"{eq.Op.Name()}: VJP rule returned a cotangent {c.Type} for input {j} of type {input.Type}");
                Accumulate(cotangents, input.Id, c);
            }
        }
    }

    /// <summary>The cotangent of each result of one construct (null: zero); null when every one is zero.</summary>
    private static Node?[]? ResultCotangents(Node[] group, Node?[] cotangents)
    {
        Node?[]? result = null;
        foreach (var member in group)
        {
            if (cotangents[member.Id] is not { } ct) continue;
            result ??= new Node?[member.Attrs.Control!.ResultCount];
            int index = member.Attrs.Index;
            // Two equations for the same result (before CSE) each carry part of its cotangent.
            result[index] = result[index] is { } acc ? Ir.Add(acc, ct) : ct;
        }
        return result;
    }

    private static void Accumulate(Node?[] cotangents, int id, Node c)
    {
        var acc = cotangents[id];
        cotangents[id] = acc is null ? c : Ir.Add(acc, c);
    }
}
