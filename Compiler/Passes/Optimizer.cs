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
        var recorded = RecordingScans(graph, live);
        bool expanded = false, anySimplified = false;
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
            var simplified = Simplifier.TrySimplify(eq, args, options) ?? Distribute(eq, args, cse, builder);
            if (simplified is not null)
            {
                anySimplified = true;
                map[eq.Id] = simplified;
                continue;
            }
            var attrs = SharedScan(eq, recorded) ?? eq.Attrs;
            var key = new CseKey(eq.Op, attrs, args);
            if (!cse.TryGetValue(key, out var node))
            {
                builder.SourceHint = eq.Source;
                node = builder.Emit(eq.Op, attrs, args);
                builder.SourceHint = null;
                cse[key] = node;
            }
            map[eq.Id] = node;
        }
        var result = builder.Build(Replay.MapAll(graph.OutputArray, map));
        // Expanded custom calls were inlined verbatim (and may hold nested ones): optimise them too.
        if (expanded) return Run(result, options);
        // A simplification can leave the equations it bypassed dead (the ones of a folded x*1): drop them.
        return anySimplified ? RemoveDead(result) : result;
    }

    /// <summary>
    /// reduce_sum(neg x) = neg(reduce_sum x): the backward pass of a subtraction sums the negated cotangent, often of
    /// a value whose plain sum the graph already has (the gradient of a mean and of a broadcast operand of sub), so
    /// the reduction becomes a duplicate that CSE merges, and the negation runs on the reduced (smaller) value.
    /// Both equations go through the CSE table.
    /// </summary>
    private static Node? Distribute(Node eq, Node[] args, Dictionary<CseKey, Node> cse, GraphBuilder builder)
    {
        if (eq.Op != OpCode.ReduceSum || args[0].Op != OpCode.Neg) return null;
        builder.SourceHint = eq.Source;
        var sum = Shared(OpCode.ReduceSum, eq.Attrs, [args[0].InputArray[0]]);
        var result = Shared(OpCode.Neg, Attrs.None, [sum]);
        builder.SourceHint = null;
        return result;

        Node Shared(OpCode op, Attrs attrs, Node[] inputs)
        {
            var key = new CseKey(op, attrs, inputs);
            if (!cse.TryGetValue(key, out var node)) cse[key] = node = builder.Emit(op, attrs, inputs);
            return node;
        }
    }

    /// <summary>
    /// Reverse mode runs a scan a second time, recording the carry entering each step (<see cref="ScanDef.WithHistory"/>),
    /// over the same inputs; its first results are the plain scan's. Where both are live, the plain scan's results are
    /// taken from the recording one (CSE then merges the two), so the forward loop runs once.
    /// </summary>
    private static Attrs? SharedScan(Node eq, List<Node> recorded)
    {
        if (eq.Op != OpCode.Scan || eq.Attrs.Control is not ScanDef { WithHistory: ScanDef history }) return null;
        foreach (var r in recorded)
        {
            if (ReferenceEquals(r.Attrs.Control, history) && r.InputArray.AsSpan().SequenceEqual(eq.InputArray))
                return new Attrs { Control = history, Index = eq.Attrs.Index };
        }
        return null;
    }

    /// <summary>The live scans that record their carries (one equation per construct).</summary>
    private static List<Node> RecordingScans(Graph graph, bool[] live)
    {
        var histories = new HashSet<ScanDef>(ReferenceEqualityComparer.Instance);
        foreach (var eq in graph.EquationArray)
        {
            if (eq.Op == OpCode.Scan && eq.Attrs.Control is ScanDef { WithHistory: ScanDef h }) histories.Add(h);
        }
        var result = new List<Node>();
        foreach (var eq in graph.EquationArray)
        {
            if (live[eq.Id] && eq.Op == OpCode.Scan && eq.Attrs.Control is ScanDef def && histories.Contains(def)
                && !result.Exists(r => ReferenceEquals(r.Attrs.Control, def) && r.InputArray.AsSpan().SequenceEqual(eq.InputArray)))
                result.Add(eq);
        }
        return result;
    }

    /// <summary>The graph without the equations its outputs do not depend on (itself when there are none).</summary>
    public static Graph RemoveDead(Graph graph)
    {
        var live = Liveness(graph);
        bool anyDead = false;
        foreach (var eq in graph.EquationArray) anyDead |= !live[eq.Id];
        if (!anyDead) return graph;
        var builder = new GraphBuilder(graph.Rules, graph.Parent);
        using var scope = builder.Activate();
        var map = Replay.MapInputs(graph, builder);
        foreach (var eq in graph.EquationArray)
        {
            if (live[eq.Id]) map[eq.Id] = Replay.Copy(eq, map);
        }
        return builder.Build(Replay.MapAll(graph.OutputArray, map));
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
