using System.Diagnostics;
using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// The engine behind every <see cref="Jit"/> delegate. A call flattens its arguments (a value tuple of trees) into
/// tensor leaves and a signature; outside tracing it looks the signature up and runs the compiled executable,
/// tracing and compiling on a miss; inside a trace it traces the function and inlines the transformed graph, so
/// transforms compose.
/// </summary>
/// <typeparam name="TArgs">The argument list as a value tuple.</typeparam>
/// <typeparam name="R">The traced function's result tree.</typeparam>
internal sealed class StagedFunction<TArgs, R>
{
    private static readonly TreeAdapter<TArgs> ArgsAdapter = TreeAdapter<TArgs>.Instance;
    private static readonly TreeAdapter<R> ResultAdapter = TreeAdapter<R>.Instance;

    private readonly Func<TArgs, R> function;
    private readonly Stage<TArgs> stage;
    private readonly object gate = new();
    private string[]? lastDescribed;   // the latest compiled signature, to explain the next miss
    private int lastGeneration;

    // Which numbers of the latest top-level trace's result are traced arguments passed through (set by TraceGraph,
    // read by Compile under the gate): a cached call returns the call's own numbers there.
    private int[]? resultNumbers;

    // Number leaves (double, float) are traced inputs while the stage allows it, except those a trace showed the
    // function computes with in C#: their positions are here, and they are static, part of the key (TracedScalars).
    // Replaced, never mutated, so a call reads a consistent set.
    private volatile HashSet<int> staticScalars = [];

    public StagedFunction(string name, Func<TArgs, R> function, Stage<TArgs> stage)
    {
        Name = name;
        this.function = function;
        this.stage = stage;
    }

    public string Name { get; }

    /// <summary>One compiled signature: what the cache holds.</summary>
    private sealed class Entry(IExecutable executable, TensorType[] outputs, R template, Graph? traced, Device device, int[]? resultNumbers)
    {
        /// <summary>For each number of the result: the traced argument number it passes through, or -1; null: none.</summary>
        public readonly int[]? ResultNumbers = resultNumbers;

        public readonly IExecutable Executable = executable;

        /// <summary>Where it runs; scalar CPU leaves (numbers) are moved there per call.</summary>
        public readonly Device Device = device;

        public readonly bool OnCpu = ReferenceEquals(device, Device.Cpu);
        public readonly TensorType[] Outputs = outputs;
        public readonly R Template = template;

        /// <summary>The graph before optimisation, with source lines; kept only while debugging NaNs.</summary>
        public readonly Graph? Traced = traced;
    }

    /// <summary>Result of a call: output leaves plus the result tree they belong to (for Compile).</summary>
    public readonly record struct Result(Tensor[] Outputs, R Template);

    public Result Call(TArgs args)
    {
        var scratch = CallScratch.Rent();
        try
        {
            return Call(args, scratch);
        }
        finally
        {
            CallScratch.Return(scratch);
        }
    }

    /// <summary>Whether this call traces its number leaves: top-level calls of stages that allow it, until a fallback.</summary>
    private bool TracesScalars(GraphBuilder? parent) => stage.TracesScalars && parent is null;

    /// <summary>One call; <paramref name="retry"/> marks a second attempt after number leaves became static (the miss was already recorded).</summary>
    private Result Call(TArgs args, CallScratch scratch, bool retry = false)
    {
        var leaves = scratch.Leaves;
        var sig = scratch.Signature;
        var scalars = scratch.Scalars;
        scalars.Clear();
        var statics = staticScalars;
        sig.Scalars = TracesScalars(GraphBuilder.Current) ? scalars : null;
        sig.StaticScalars = statics;
        ArgsAdapter.Flatten(args, leaves, sig);
        sig.Scalars = null;
        sig.StaticScalars = null;

        if (GraphBuilder.Current is not null || AnySymbolic(leaves)) return Inline(args, leaves);

        var cache = Jit.Cache;
        var probe = scratch.Probe.Set(this, sig.Buffer, sig.Count, sig.Hash);
        if (cache.TryGet(probe, out var found)) return Run((Entry)found, leaves, scalars, scratch);
        Entry entry;
        lock (gate)
        {
            if (cache.TryGet(probe, out found))
            {
                entry = (Entry)found;
            }
            else
            {
                var device = CommonDevice(leaves);
                var now = DescribeArgs(args);
                if (!retry) cache.RecordMiss(Explain(now));
                entry = Compile(args, device, now);
                if (!ReferenceEquals(statics, staticScalars))
                {
                    // The trace fell back to static numbers, so this key (without their values) must not hold it:
                    // call again, keyed by the values.
                    leaves.Clear();
                    sig.Reset();
                    return Call(args, scratch, retry: true);
                }
                cache.Add(probe.Snapshot(), entry);
                (lastDescribed, lastGeneration) = (now, cache.Generation);
            }
        }
        return Run(entry, leaves, scalars, scratch);
    }

    /// <summary>Every stage of the compile for this signature, without caching or running it (Jit.Lower).</summary>
    public CompiledProgram Lower(TArgs args)
    {
        var leaves = new List<Tensor>();
        ArgsAdapter.Flatten(args, leaves, null);
        return CompileProgram(args, CommonDevice(leaves), out _);
    }

    /// <summary>
    /// Traces the function at the types of <paramref name="args"/> and returns the graph (not transformed). Traced
    /// number leaves become inputs after the tensor leaves; the function is then traced a second time with other
    /// numbers, and a difference between the two graphs makes the numbers static (see <see cref="TracedScalars"/>).
    /// </summary>
    public Graph TraceGraph(TArgs args, GraphBuilder? parent, out R template)
    {
        var leaves = new List<Tensor>();
        List<ScalarLeaf>? scalars = TracesScalars(parent) ? [] : null;
        var statics = staticScalars;
        ArgsAdapter.Flatten(args, leaves, scalars is null ? null : new SignatureWriter { Scalars = scalars, StaticScalars = statics });
        if (scalars is null || !scalars.Exists(x => !x.IsStatic)) return TraceOnce(args, leaves, null, null, parent, out template);
        // Trace with the call's numbers, then with stand-ins: the same program means every number only reached
        // tensors (the common case: two traces).
        var real = TracedScalars.StandIns(scalars, pass: 0, null);
        var graph = TraceOnce(args, leaves, scalars, real, parent, out template);
        var more = new HashSet<int>(statics);
        var standIn = new List<int>();   // leaves whose own value collides with a constant: traced at a stand-in
        var standIns = TracedScalars.StandIns(scalars, pass: 1, null);
        var check = TryTrace(args, leaves, scalars, standIns, parent, out var checkTemplate);
        if (parent is null) resultNumbers = check is null ? null : TracedScalars.ResultSources(ResultAdapter, template, checkTemplate!, scalars, real, standIns);
        if (check is null || !TracedScalars.SameProgram(graph, check))
        {
            // Some number was used in C#, or equals a constant of the function: find which, one group of equal
            // numbers at a time. A group whose two stand-ins give one program only collided with a constant.
            foreach (var group in TracedScalars.EqualGroups(scalars))
            {
                var moved = TryTrace(args, leaves, scalars, TracedScalars.StandIns(scalars, pass: 1, group), parent, out _);
                if (moved is not null && TracedScalars.SameProgram(graph, moved)) continue;
                var again = TryTrace(args, leaves, scalars, TracedScalars.StandIns(scalars, pass: 2, group), parent, out _);
                if (moved is not null && again is not null && TracedScalars.SameProgram(moved, again)) standIn.AddRange(group);
                else more.UnionWith(group);
            }
        }
        if (more.Count != statics.Count)
        {
            staticScalars = more;
            return TraceGraph(args, parent, out template);
        }
        if (standIn.Count > 0)
        {
            var values = TracedScalars.StandIns(scalars, pass: 1, standIn);
            graph = TraceOnce(args, leaves, scalars, values, parent, out template);
            template = TracedScalars.RestoreValues(ResultAdapter, template, scalars, values);
        }
        for (int i = 0, k = leaves.Count; i < scalars.Count; i++)
        {
            if (scalars[i].IsStatic) continue;
            // An input no equation reads was used in C# alone (a branch, a loop bound) or not at all: static.
            if (!IsRead(graph, graph.Inputs[k])) more.Add(i);
            k++;
        }
        if (more.Count == statics.Count) return graph;
        staticScalars = more;
        return TraceGraph(args, parent, out template);
    }

    /// <summary>A trace at stand-in values, or null when the function throws at them (it checks or computes with them in C#).</summary>
    private Graph? TryTrace(TArgs args, List<Tensor> leaves, List<ScalarLeaf> scalars, double[] values, GraphBuilder? parent, out R? template)
    {
        try
        {
            var g = TraceOnce(args, leaves, scalars, values, parent, out var t);
            template = t;
            return g;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            template = default;
            return null;
        }
    }

    /// <summary>Whether an equation or an output of <paramref name="g"/> reads <paramref name="input"/>.</summary>
    private static bool IsRead(Graph g, Node input)
    {
        foreach (var eq in g.Equations)
        {
            foreach (var x in eq.Inputs)
            {
                if (ReferenceEquals(x, input)) return true;
            }
        }
        foreach (var o in g.Outputs)
        {
            if (ReferenceEquals(o, input)) return true;
        }
        return false;
    }

    private Graph TraceOnce(TArgs args, List<Tensor> leaves, List<ScalarLeaf>? scalars, double[]? values, GraphBuilder? parent, out R template)
    {
        var callTypes = new List<TensorType>(leaves.Count);
        foreach (var leaf in leaves) callTypes.Add(leaf.Type);
        foreach (var x in scalars ?? [])
        {
            if (!x.IsStatic) callTypes.Add(new TensorType(Shape.Scalar, x.IsFloat32 ? DType.Float32 : DType.Float64));
        }
        var traceTypes = stage.TraceTypes(args, callTypes.ToArray());
        var builder = new GraphBuilder(Dispatch.Rules, parent);
        var inputs = new Tensor[callTypes.Count];
        Tensor[] outputs;
        using (builder.Activate())
        {
            try
            {
                for (int i = 0; i < inputs.Length; i++) inputs[i] = new Tensor(builder.Input(traceTypes[i]));
                if (values is null)
                {
                    int pos = 0;
                    template = function(ArgsAdapter.Rebuild(args, inputs, ref pos));
                }
                else
                {
                    var symbolic = inputs[leaves.Count..];
                    var symbolicArgs = TracedScalars.RebuildWith(ArgsAdapter, args, inputs, values);
                    using (TracedScalars.Push(builder, scalars!, values, symbolic)) template = function(symbolicArgs);
                }
                var outs = new List<Tensor>();
                ResultAdapter.Flatten(template, outs, null);
                outputs = outs.ToArray();
            }
            catch
            {
                builder.Abandon();
                throw;
            }
        }
        var nodes = new Node[outputs.Length];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = Dispatch.ToNode(outputs[i], builder);
        return builder.Build(nodes);
    }

    /// <summary>The traced graph after this stage's transform.</summary>
    public Graph TransformedGraph(TArgs args, GraphBuilder? parent, out R template) =>
        stage.Apply(TraceGraph(args, parent, out template), args, Name);

    private Result Inline(TArgs args, List<Tensor> leaves)
    {
        var outer = GraphBuilder.Current;
        if (outer is null)
        {
            foreach (var t in leaves)
            {
                if (t.IsSymbolic) throw Dispatch.Escaped(t);
            }
        }
        var graph = Optimizer.Run(TransformedGraph(args, outer, out var template));
        var argNodes = new Node[leaves.Count];
        for (int i = 0; i < argNodes.Length; i++) argNodes[i] = Dispatch.ToNode(leaves[i], outer!);
        Node[] outs;
        using (outer!.Activate()) outs = Replay.Inline(graph, argNodes);
        var tensors = new Tensor[outs.Length];
        for (int i = 0; i < outs.Length; i++) tensors[i] = new Tensor(outs[i]);
        return new Result(tensors, template);
    }

    private Entry Compile(TArgs args, Device device, string[] described)
    {
        // The cache keeps only what running needs: the executable, the output types and the result tree's structure.
        R template = default!;
        var options = Backends.Pipeline(Backends.For(device));
        var program = Pipeline.CompileToRun(Name, () =>
        {
            var graph = TraceGraph(args, null, out var traced);
            template = Detached(traced);
            return graph;
        }, g => stage.Apply(g, args, Name), options, keepTraced: Jit.Config.DebugNans);
        var outputs = new TensorType[program.OutputTypes.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = program.OutputTypes[i];
        Jit.Cache.RecordCompile(new CompileEvent(Name, "(" + string.Join(", ", described) + ")", device, program.Times));
        var passThrough = resultNumbers is { } map && Array.Exists(map, j => j >= 0) ? map : null;
        resultNumbers = null;
        return new Entry(program.Executable, outputs, template, program.Traced, device, passThrough);
    }

    /// <summary>
    /// The traced result tree with its tensor leaves replaced by placeholders of the same types: those leaves are
    /// symbolic tensors whose nodes reach back through the whole traced graph, which a cache entry must not keep alive
    /// (calls use the tree only for its structure and its non-tensor values, and put the outputs in place of every
    /// tensor leaf). The placeholders are inputs of a finished trace of their own, so one that escaped into a result
    /// would fail as an escaped tracer rather than compute with wrong data.
    /// </summary>
    private static R Detached(R traced)
    {
        var leaves = new List<Tensor>();
        ResultAdapter.Flatten(traced, leaves, null);
        if (leaves.Count == 0) return traced;
        var builder = new GraphBuilder(Dispatch.Rules, null);
        var nodes = new Node[leaves.Count];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = builder.Input(leaves[i].Type);
        builder.Build(nodes);
        var placeholders = Array.ConvertAll(nodes, n => new Tensor(n));
        int pos = 0;
        return ResultAdapter.Rebuild(traced, placeholders, ref pos);
    }

    private CompiledProgram CompileProgram(TArgs args, Device device, out R template)
    {
        R traced = default!;
        var options = Backends.Pipeline(Backends.For(device));
        var program = Pipeline.Compile(Name, () => TraceGraph(args, null, out traced), g => stage.Apply(g, args, Name), options);
        template = traced;
        return program;
    }

    private Result Run(Entry entry, List<Tensor> leaves, List<ScalarLeaf> scalars, CallScratch scratch)
    {
        int tracedCount = 0;
        foreach (var s in scalars) tracedCount += s.IsStatic ? 0 : 1;
        var inputs = scratch.Inputs(leaves.Count + tracedCount);
        var span = inputs.AsSpan();   // stores without the covariance check of an array element
        for (int i = 0; i < leaves.Count; i++) span[i] = leaves[i].Storage;
        for (int i = 0, k = leaves.Count; i < scalars.Count; i++)
        {
            var s = scalars[i];
            if (!s.IsStatic) span[k++] = ScalarStorage(s);
        }
        if (!entry.OnCpu) MoveScalars(span, entry.Device);
        var results = scratch.Outputs(entry.Outputs.Length);
        entry.Executable.Run(inputs, results);
        var tensors = new Tensor[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            var type = entry.Outputs[i];
            Debug.Assert(results[i].Length == type.Shape.Size && results[i].DType == type.DType, "the executable's outputs match the graph");
            tensors[i] = new Tensor(results[i], type);
        }
        if (entry.Traced is { } traced && Jit.Config.DebugNans)
        {
            var all = new List<Tensor>(leaves);
            foreach (var s in scalars)
            {
                if (!s.IsStatic) all.Add(new Tensor(ScalarStorage(s), new TensorType(Shape.Scalar, s.IsFloat32 ? DType.Float32 : DType.Float64)));
            }
            NanHunt.CheckCall(Name, traced, all, tensors);
        }
        var template = entry.ResultNumbers is { } numbers ? TracedScalars.WithNumbers(ResultAdapter, entry.Template, numbers, scalars) : entry.Template;
        return new Result(tensors, template);
    }

    /// <summary>A traced number's value as a host scalar input.</summary>
    private static Storage ScalarStorage(ScalarLeaf s) =>
        new HostStorage(s.IsFloat32 ? new[] { (float)s.Value } : (Array)new[] { s.Value });

    /// <summary>
    /// The one device the leaves live on (CPU when there are none), or an error naming two that differ. Scalars on
    /// the CPU (numbers such as a learning rate or a step count) follow the others, as in eager mode.
    /// </summary>
    private Device CommonDevice(List<Tensor> leaves)
    {
        int first = -1;
        for (int i = 0; i < leaves.Count; i++)
        {
            if (first < 0 || (IsHostScalar(leaves[first]) && !IsHostScalar(leaves[i])))
            {
                if (first < 0 || !leaves[i].Device.Equals(leaves[first].Device)) first = i;
                continue;
            }
            var other = leaves[i].Device;
            if (other.Equals(leaves[first].Device) || IsHostScalar(leaves[i])) continue;
            throw new ArgumentException(
                $"{Name}: arguments live on different devices: leaf {first} ({leaves[first].Type}) on {leaves[first].Device} and leaf {i} " +
                $"({leaves[i].Type}) on {other}; move them to one device first with tensor.To(device) or Tree.To(tree, device)");
        }
        return first < 0 ? Device.Cpu : leaves[first].Device;
    }

    /// <summary>
    /// Small host data that follows the other arguments' device: scalars (numbers) and PRNG keys' two words (an
    /// i32[2] made on the host when a key is flattened).
    /// </summary>
    private static bool IsHostScalar(Tensor t) =>
        (t.Shape.Rank == 0 || (t.Shape.Rank == 1 && t.Shape[0] == 2 && t.DType == DType.Int32)) && t.Device.Equals(Device.Cpu);

    private static void MoveScalars(Span<Storage> inputs, Device device)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].Device.Equals(device)) inputs[i] = Backends.For(device).FromHost(((HostStorage)inputs[i]).Data);
        }
    }

    private static bool AnySymbolic(List<Tensor> leaves)
    {
        foreach (var t in leaves)
        {
            if (t.IsSymbolic) return true;
        }
        return false;
    }

    private static string[] DescribeArgs(TArgs args) =>
        ArgsAdapter is ITupleAdapter<TArgs> tuple ? tuple.DescribeItems(args) : [ArgsAdapter.Describe(args)];

    /// <summary>Compares the new call with the latest compiled signature, argument by argument.</summary>
    private CacheMiss Explain(string[] now)
    {
        string signature = "(" + string.Join(", ", now) + ")";
        var last = lastDescribed;
        if (last is null || lastGeneration != Jit.Cache.Generation)
            return new CacheMiss(Name, signature, $"{Name}: first call with {signature}");
        var changes = new List<string>();
        for (int i = 0; i < now.Length && i < last.Length; i++)
        {
            if (now[i] != last[i]) changes.Add($"arg {i}: {last[i]} -> {now[i]}");
        }
        if (changes.Count == 0) changes.Add($"static values, devices or an evicted entry: {signature}");
        return new CacheMiss(Name, signature, $"{Name}: " + string.Join("; ", changes));
    }
}
