namespace Tracer.Compiler;

/// <summary>Options of <see cref="Optimizer.Run"/>.</summary>
/// <param name="Final">
/// The graph goes to code generation next and will not be differentiated again: stop_gradient is replaced by its
/// input and custom calls by their forward computation. Wrong while the graph may still be differentiated or
/// inlined into a trace that will be.
/// </param>
public readonly record struct OptimizeOptions(bool Final);

/// <summary>
/// The graph optimiser: dead-code elimination, then one replay that applies algebraic simplification, constant
/// folding of scalar literals and common-subexpression elimination (hash-consing). Iterative, never recursive over
/// graph depth.
/// </summary>
public static class Optimizer
{
    /// <summary>The optimised graph: dead code removed, simplified, constants folded, duplicates merged.</summary>
    public static Graph Run(Graph graph, OptimizeOptions options = default)
    {
        var live = Liveness(graph);
        var builder = new GraphBuilder(graph.Rules, graph.Parent);
        using var scope = builder.Activate();
        var map = Replay.MapInputs(graph, builder);
        var cse = new Dictionary<CseKey, Node>();
        bool expanded = false;
        foreach (var eq in graph.EquationArray)
        {
            if (!live[eq.Id]) continue;
            if (eq.Op is OpCode.Literal or OpCode.Constant)
            {
                map[eq.Id] = Replay.Copy(eq, map);
                continue;
            }
            var args = new Node[eq.InputArray.Length];
            for (int i = 0; i < args.Length; i++) args[i] = map[eq.InputArray[i].Id];
            if (eq.Op == OpCode.Custom && options.Final)
            {
                map[eq.Id] = eq.Attrs.Custom!.EmitForward(args);
                expanded = true;
                continue;
            }
            var simplified = Simplifier.TrySimplify(eq, args, options);
            if (simplified is not null)
            {
                map[eq.Id] = simplified;
                continue;
            }
            var key = new CseKey(eq.Op, eq.Attrs, args);
            if (!cse.TryGetValue(key, out var node))
            {
                node = builder.Emit(eq.Op, eq.Attrs, args);
                cse[key] = node;
            }
            map[eq.Id] = node;
        }
        var result = builder.Build(Replay.MapAll(graph.OutputArray, map));
        // Expanded custom calls were inlined verbatim (and may hold nested ones): optimise them too.
        return expanded ? Run(result, options) : result;
    }

    /// <summary>Which nodes the outputs depend on (one backward sweep; equations are in dependency order).</summary>
    public static bool[] Liveness(Graph graph)
    {
        var live = new bool[graph.IdCount];
        foreach (var o in graph.OutputArray) live[o.Id] = true;
        var eqs = graph.EquationArray;
        for (int i = eqs.Length - 1; i >= 0; i--)
        {
            if (!live[eqs[i].Id]) continue;
            foreach (var input in eqs[i].InputArray) live[input.Id] = true;
        }
        return live;
    }

    private readonly struct CseKey(OpCode op, Attrs attrs, Node[] args) : IEquatable<CseKey>
    {
        private readonly OpCode op = op;
        private readonly Attrs attrs = attrs;
        private readonly Node[] args = args;

        public bool Equals(CseKey other)
        {
            if (op != other.op || args.Length != other.args.Length || !attrs.Equals(other.attrs)) return false;
            for (int i = 0; i < args.Length; i++)
            {
                if (!ReferenceEquals(args[i], other.args[i])) return false;
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is CseKey k && Equals(k);

        public override int GetHashCode()
        {
            var h = new HashCode();
            h.Add(op);
            h.Add(attrs);
            foreach (var a in args) h.Add(a.Id);
            return h.ToHashCode();
        }
    }
}
