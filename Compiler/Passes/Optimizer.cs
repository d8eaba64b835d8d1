namespace Tracer.Compiler;

/// <summary>Options of <see cref="Optimizer.Run"/>.</summary>
/// <param name="Final">
/// The graph goes to code generation next and will not be differentiated again: stop_gradient is replaced by its
/// input and custom calls by their forward computation. Wrong while the graph may still be differentiated or
/// inlined into a trace that will be.
/// </param>
/// <param name="ShareNodes">
/// When the replay would change nothing but dropping dead equations, return a graph of the input's own nodes (the
/// input itself when nothing is dead) instead of a copy: half the memory and a fraction of the time on large graphs.
/// Printed names then keep the gaps of dropped equations, so inspection (which prints) leaves it off; a compile whose
/// graphs are only run (<see cref="Pipeline.CompileToRun"/>) turns it on.
/// </param>
public readonly record struct OptimizeOptions(bool Final, bool ShareNodes = false);

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
        if (options.ShareNodes && Swept(graph, live, options) is { } same) return same;
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
    /// <summary>
    /// <paramref name="graph"/> without its dead equations, sharing its nodes, when that is what the replay of
    /// <see cref="Run"/> would rebuild: no live equation simplifies, distributes or duplicates an earlier one (CSE),
    /// no custom call to expand and no scan to share. Null when the replay must run. A long unrolled chain's gradient
    /// is often exactly this (reverse mode emits it without redundancy; only the unused forward value is dead), and a
    /// second copy of it would double the compile's memory. Graphs with captures are always replayed.
    /// </summary>
    private static Graph? Swept(Graph graph, bool[] live, OptimizeOptions options)
    {
        if (graph.CaptureArray.Length > 0) return null;
        var seen = new HashSet<Node>(SameEquation.Instance);
        int dead = 0;
        foreach (var eq in graph.EquationArray)
        {
            if (!live[eq.Id])
            {
                dead++;
                continue;
            }
            if (eq.Op is OpCode.Literal or OpCode.Constant) continue;
            if (eq.Op == OpCode.Scan || (eq.Op == OpCode.Custom && options.Final)) return null;
            if (eq.Op == OpCode.ReduceSum && eq.InputArray[0].Op == OpCode.Neg) return null;   // see Distribute
            if (Simplifier.TrySimplify(eq.Op, eq.Attrs, eq.Type, eq.InputArray, graph.Rules, options, probe: true) is not null) return null;
            if (!seen.Add(eq)) return null;
        }
        if (dead == 0) return graph;
        var equations = new Node[graph.EquationArray.Length - dead];
        int n = 0;
        foreach (var eq in graph.EquationArray)
        {
            if (live[eq.Id]) equations[n++] = eq;
        }
        return new Graph(graph.Builder, graph.InputArray, graph.CaptureArray, equations, graph.OutputArray, graph.IdCount);
    }

    /// <summary>Equations that CSE merges: same op, equal attributes, the same inputs (by reference).</summary>
    private sealed class SameEquation : IEqualityComparer<Node>
    {
        public static readonly SameEquation Instance = new();

        public bool Equals(Node? a, Node? b) =>
            a!.Op == b!.Op && a.InputArray.AsSpan().SequenceEqual(b.InputArray) && a.Attrs.Equals(b.Attrs);

        public int GetHashCode(Node n) => new CseKey(n.Op, n.Attrs, n.InputArray).GetHashCode();
    }

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
