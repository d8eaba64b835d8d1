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
    private volatile Entry[] entries = [];

    public StagedFunction(string name, Func<TArgs, R> function, Stage<TArgs> stage)
    {
        Name = name;
        this.function = function;
        this.stage = stage;
    }

    public string Name { get; }

    /// <summary>One compiled signature.</summary>
    private sealed class Entry(long[] key, int hash, int generation, IExecutable executable, TensorType[] outputs, R template, string[] described)
    {
        public readonly long[] Key = key;
        public readonly int Hash = hash;
        public readonly int Generation = generation;
        public readonly IExecutable Executable = executable;
        public readonly TensorType[] Outputs = outputs;
        public readonly R Template = template;
        public readonly string[] Described = described;
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

    private Result Call(TArgs args, CallScratch scratch)
    {
        var leaves = scratch.Leaves;
        var sig = scratch.Signature;
        ArgsAdapter.Flatten(args, leaves, sig);

        if (GraphBuilder.Current is not null || AnySymbolic(leaves)) return Inline(args, leaves);

        var cache = Jit.Cache;
        int generation = cache.Generation;
        var entry = Find(sig, generation);
        if (entry is not null)
        {
            cache.RecordHit();
            return Run(entry, leaves, scratch);
        }
        lock (gate)
        {
            entry = Find(sig, generation);
            if (entry is null)
            {
                cache.RecordMiss(Explain(args));
                entry = Compile(args, leaves, sig, generation);
                var grown = new Entry[entries.Length + 1];
                entries.CopyTo(grown, 0);
                grown[^1] = entry;
                entries = grown;
                cache.RecordEntry();
            }
            else
            {
                cache.RecordHit();
            }
        }
        return Run(entry, leaves, scratch);
    }

    /// <summary>Traces the function at the types of <paramref name="args"/> and returns the graph (not transformed).</summary>
    public Graph TraceGraph(TArgs args, GraphBuilder? parent, out R template)
    {
        var leaves = new List<Tensor>();
        ArgsAdapter.Flatten(args, leaves, null);
        var callTypes = new TensorType[leaves.Count];
        for (int i = 0; i < callTypes.Length; i++) callTypes[i] = leaves[i].Type;
        var traceTypes = stage.TraceTypes(args, callTypes);
        var builder = new GraphBuilder(Dispatch.Rules, parent);
        var inputs = new Tensor[leaves.Count];
        Tensor[] outputs;
        using (builder.Activate())
        {
            try
            {
                for (int i = 0; i < inputs.Length; i++) inputs[i] = new Tensor(builder.Input(traceTypes[i]));
                int pos = 0;
                var symbolicArgs = ArgsAdapter.Rebuild(args, inputs, ref pos);
                template = function(symbolicArgs);
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

    private Entry Compile(TArgs args, List<Tensor> leaves, SignatureWriter sig, int generation)
    {
        var graph = TransformedGraph(args, null, out var template);
        var optimised = Optimizer.Run(graph, new OptimizeOptions(Final: true));
        var executable = Backends.Cpu.Compile(optimised);
        var outputs = new TensorType[optimised.Outputs.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = optimised.Outputs[i].Type;
        return new Entry(sig.Snapshot(), sig.Hash, generation, executable, outputs, template, DescribeArgs(args));
    }

    private static Result Run(Entry entry, List<Tensor> leaves, CallScratch scratch)
    {
        var inputs = scratch.Inputs(leaves.Count);
        var span = inputs.AsSpan();   // stores without the covariance check of an Array[] element
        for (int i = 0; i < span.Length; i++) span[i] = leaves[i].Data;
        var results = scratch.Outputs(entry.Outputs.Length);
        entry.Executable.Run(inputs, results);
        var tensors = new Tensor[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            var type = entry.Outputs[i];
            Debug.Assert(results[i].Length == type.Shape.Size && DTypeExtensions.OfArray(results[i]) == type.DType, "the executable's outputs match the graph");
            tensors[i] = new Tensor(results[i], type);
        }
        return new Result(tensors, entry.Template);
    }

    private Entry? Find(SignatureWriter sig, int generation)
    {
        var snapshot = entries;
        var key = sig.Tokens;
        for (int i = snapshot.Length - 1; i >= 0; i--)
        {
            var e = snapshot[i];
            if (e.Hash == sig.Hash && e.Generation == generation && key.SequenceEqual(e.Key)) return e;
        }
        return null;
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
    private CacheMiss Explain(TArgs args)
    {
        var now = DescribeArgs(args);
        string signature = "(" + string.Join(", ", now) + ")";
        var last = entries.Length > 0 ? entries[^1] : null;
        if (last is null || last.Generation != Jit.Cache.Generation)
            return new CacheMiss(Name, signature, $"{Name}: first call with {signature}");
        var changes = new List<string>();
        for (int i = 0; i < now.Length && i < last.Described.Length; i++)
        {
            if (now[i] != last.Described[i]) changes.Add($"arg {i}: {last.Described[i]} -> {now[i]}");
        }
        if (changes.Count == 0) changes.Add($"static values or devices changed: {signature}");
        return new CacheMiss(Name, signature, $"{Name}: " + string.Join("; ", changes));
    }
}
