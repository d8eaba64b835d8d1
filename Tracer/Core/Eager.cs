using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// The fast eager mode: an op on concrete tensors runs compiled code for their device, compiled once per
/// (primitive, parameters, input types, device) through the same pipeline as Jit functions and kept in a bounded
/// table. The reference interpreter stays the test oracle (and is the code of the reference device).
/// </summary>
internal static class Eager
{
    private const int Capacity = 1024;
    private static readonly LruTable<EagerKey, IExecutable> Kernels = new(null, Capacity);

    private static readonly LruTable<CompositeKey, Composite> Composites = new(null, Capacity);

    public static void Clear()
    {
        Kernels.Clear();
        Composites.Clear();
    }

    /// <summary>True when an op on <paramref name="x"/> runs eagerly (no trace active, concrete operand).</summary>
    public static bool Runs(Tensor x) => !x.IsSymbolic && GraphBuilder.Current is null;

    /// <summary>
    /// A composite op (Softmax, LogSumExp, Mean...) run eagerly as one compiled program rather than one kernel per
    /// primitive, so its passes over memory fuse as they do under Jit. <paramref name="param"/> encodes the static
    /// parameters (axes, flags) that <paramref name="body"/> closes over.
    /// </summary>
    public static Tensor Fused(string name, long param, Tensor x, Func<Tensor, Tensor> body)
    {
        var device = x.Device;
        var key = new CompositeKey(name, param, x.Type, device);
        if (!Composites.TryGet(key, out var composite))
        {
            var builder = new GraphBuilder(Dispatch.Rules, null);
            Graph graph;
            using (builder.Activate())
            {
                try
                {
                    var y = body(new Tensor(builder.Input(x.Type)));
                    graph = builder.Build([Dispatch.ToNode(y, builder)]);
                }
                catch
                {
                    builder.Abandon();
                    throw;
                }
            }
            var options = Backends.Pipeline(Backends.For(device)) with { DumpDirectory = null };
            composite = new Composite(Pipeline.Compile(name, () => graph, static g => g, options).Executable, graph.Outputs[0].Type);
            Composites.Add(key, composite);
        }
        var outputs = new Storage[1];
        composite.Executable.Run([x.Storage], outputs);
        return new Tensor(outputs[0], composite.Output);
    }

    /// <summary>Axes (as a bit mask, at most 62 axes) and a flag, packed into one composite parameter.</summary>
    public static long Pack(int[] axes, bool flag)
    {
        long mask = flag ? 1L << 62 : 0;
        foreach (int a in axes) mask |= 1L << a;
        return mask;
    }

    public static Tensor Apply(OpCode op, Attrs attrs, PrimitiveRule rule, Tensor[] args)
    {
        var device = CommonDevice(op, args);
        var types = new TensorType[args.Length];
        for (int i = 0; i < args.Length; i++) types[i] = args[i].Type;
        var type = rule.InferType(attrs, types);   // shape errors name the op before anything compiles

        var key = new EagerKey(op, attrs, types, device);
        if (!Kernels.TryGet(key, out var executable))
        {
            executable = Compile(op, attrs, types, Backends.For(device));
            Kernels.Add(key, executable);
        }
        var inputs = new Storage[args.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = args[i].Storage;
        var outputs = new Storage[1];
        try
        {
            executable.Run(inputs, outputs);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or AggregateException or ArgumentException)
        {
            // A data-dependent failure inside a kernel (an index out of range, say): the reference implementation
            // checks the same condition with a message that names the op and the values.
            var data = new Array[args.Length];
            for (int i = 0; i < data.Length; i++) data[i] = args[i].Data;
            rule.Evaluate(attrs, type, types, data);
            throw;
        }
        var result = new Tensor(outputs[0], type);
        if (Jit.Config.DebugNans) NanHunt.CheckEager(op, attrs, args, result);
        return result;
    }

    /// <summary>One equation over fresh inputs, through the pipeline (optimise, lower, codegen) for the device.</summary>
    private static IExecutable Compile(OpCode op, Attrs attrs, TensorType[] types, IBackend backend)
    {
        var builder = new GraphBuilder(Dispatch.Rules, null);
        Graph graph;
        using (builder.Activate())
        {
            var inputs = new Node[types.Length];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = builder.Input(types[i]);
            graph = builder.Build([builder.Emit(op, attrs, inputs)]);
        }
        var options = Backends.Pipeline(backend) with { DumpDirectory = null };
        return Pipeline.Compile(op.Name(), () => graph, static g => g, options).Executable;
    }

    /// <summary>
    /// The device the op runs on: that of its operands. A one-element CPU operand (a C# number made a tensor) follows
    /// the others; any other mix is an error naming both devices.
    /// </summary>
    private static Device CommonDevice(OpCode op, Tensor[] args)
    {
        Device? device = null;
        int first = -1;
        for (int i = 0; i < args.Length; i++)
        {
            var d = args[i].Device;
            if (device is null || (ReferenceEquals(device, Device.Cpu) && IsHostScalar(args[first]) && !d.Equals(device)))
            {
                (device, first) = (d, i);
                continue;
            }
            if (d.Equals(device) || IsHostScalar(args[i])) continue;
            throw new ArgumentException(
                $"{op.Name()}: arguments live on different devices: argument {first} ({args[first].Type}) on {device} and " +
                $"argument {i} ({args[i].Type}) on {d}; move them to one device first with tensor.To(device)");
        }
        device ??= Device.Cpu;
        if (!ReferenceEquals(device, Device.Cpu) && !device.Equals(Device.Cpu))
        {
            for (int i = 0; i < args.Length; i++)
            {
                if (!args[i].Device.Equals(device)) args[i] = args[i].To(device);
            }
        }
        return device;
    }

    private static bool IsHostScalar(Tensor t) => t.Shape.Rank == 0 && t.Device.Equals(Device.Cpu);

    private readonly record struct CompositeKey(string Name, long Param, TensorType Type, Device Device);

    /// <summary>A compiled composite and the type of its result.</summary>
    private sealed record Composite(IExecutable Executable, TensorType Output);

    /// <summary>What an eager kernel is compiled for.</summary>
    private readonly struct EagerKey : IEquatable<EagerKey>
    {
        private readonly OpCode op;
        private readonly Attrs attrs;
        private readonly TensorType[] types;
        private readonly Device device;
        private readonly int hash;

        public EagerKey(OpCode op, Attrs attrs, TensorType[] types, Device device)
        {
            (this.op, this.attrs, this.types, this.device) = (op, attrs, types, device);
            var h = new HashCode();
            h.Add(op);
            h.Add(attrs);
            h.Add(device);
            foreach (var t in types) h.Add(t);
            hash = h.ToHashCode();
        }

        public bool Equals(EagerKey other) =>
            hash == other.hash && op == other.op && device.Equals(other.device) && types.AsSpan().SequenceEqual(other.types)
            && attrs.Equals(other.attrs);

        public override bool Equals(object? obj) => obj is EagerKey k && Equals(k);

        public override int GetHashCode() => hash;
    }
}
