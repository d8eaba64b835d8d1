namespace Tracer.Compiler;

/// <summary>
/// The reference interpreter: evaluates a graph equation by equation with each primitive's reference
/// implementation. Slow and obviously right; every backend is tested against it. It is also a backend in its own
/// right (of the <see cref="Device.Reference"/> device, host storage), which is what proves that the compiled-call
/// path does not depend on the CPU backend.
/// </summary>
public sealed class Interpreter(IRuleSet rules, Device? device = null) : IBackend
{
    /// <inheritdoc/>
    public string Name => "interpreter";

    /// <summary>
    /// The device whose tensors this interpreter owns: <see cref="Device.Reference"/> unless another was given (a
    /// test can make it stand in for another host device).
    /// </summary>
    public Device Device { get; } = device ?? Device.Reference;

    /// <summary>The interpreter runs the optimised graph itself: no kernels needed.</summary>
    public bool ConsumesKernels => false;

    /// <summary>
    /// An executable that interprets <paramref name="program"/>'s optimised graph on every call (kernels are ignored).
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph still captures values from an enclosing trace.</exception>
    public IExecutable Compile(LoweredProgram program)
    {
        if (program.Graph.CaptureArray.Length > 0)
            throw new InvalidOperationException("a graph with captured values cannot be compiled on its own; inline it first");
        return new Executable(rules, program.Graph, Device);
    }

    /// <summary>
    /// A host storage of this interpreter's device holding a copy of <paramref name="data"/> (the caller may reuse
    /// its array).
    /// </summary>
    public Storage FromHost(Array data) => new HostStorage((Array)data.Clone(), Device);

    /// <summary>The storage's own host array, not a copy; callers must not mutate it.</summary>
    public Array ToHost(Storage storage) => ((HostStorage)storage).Data;

    /// <summary>Evaluates <paramref name="graph"/> once on host arrays.</summary>
    public static Array[] Run(IRuleSet rules, Graph graph, Array[] inputs)
    {
        var values = Evaluate(rules, graph, inputs, null);
        var outputs = new Array[graph.OutputArray.Length];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = (Array)values[graph.OutputArray[i].Id]!.Clone();
        return outputs;
    }

    /// <summary>
    /// Evaluates every equation of <paramref name="graph"/> and returns the value of each node (indexed by id);
    /// <paramref name="check"/>, when given, sees each equation with its input and output values as it completes
    /// (DebugNans uses it to stop at the first primitive that produced a NaN).
    /// </summary>
    public static Array?[] Evaluate(IRuleSet rules, Graph graph, Array[] inputs, Action<Node, Array[], Array>? check)
    {
        var values = new Array?[graph.IdCount];
        for (int i = 0; i < graph.InputArray.Length; i++) values[graph.InputArray[i].Id] = inputs[i];
        foreach (var eq in graph.EquationArray)
        {
            if (eq.Op == OpCode.Literal)
            {
                values[eq.Id] = Fill(eq.DType, eq.Attrs.Value);
                continue;
            }
            if (eq.Op == OpCode.Constant)
            {
                values[eq.Id] = eq.Attrs.Data!;
                continue;
            }
            var types = new TensorType[eq.InputArray.Length];
            var args = new Array[eq.InputArray.Length];
            for (int i = 0; i < args.Length; i++)
            {
                types[i] = eq.InputArray[i].Type;
                args[i] = values[eq.InputArray[i].Id]!;
            }
            var value = rules.Get(eq.Op).Evaluate(eq.Attrs, eq.Type, types, args);
            check?.Invoke(eq, args, value);
            values[eq.Id] = value;
        }
        return values;
    }

    private sealed class Executable(IRuleSet rules, Graph graph, Device device) : IExecutable
    {
        public void Run(ReadOnlySpan<Storage> inputs, Span<Storage> outputs)
        {
            var arrays = new Array[inputs.Length];
            for (int i = 0; i < arrays.Length; i++) arrays[i] = ((HostStorage)inputs[i]).Data;
            var results = Interpreter.Run(rules, graph, arrays);
            for (int i = 0; i < results.Length; i++) outputs[i] = new HostStorage(results[i], device);
        }

        public string Describe() => "reference interpreter over:\n" + graph;
    }

    /// <summary>A one-element host array holding <paramref name="value"/>.</summary>
    public static Array Fill(DType dtype, double value) => dtype switch
    {
        DType.Float32 => new[] { (float)value },
        DType.Float64 => new[] { value },
        DType.Int32 => new[] { (int)value },
        _ => new[] { value != 0 },
    };
}
