namespace Tracer.Compiler.Lowering;

/// <summary>Knobs of <see cref="Lowerer"/>.</summary>
public sealed record LoweringOptions
{
    /// <summary>
    /// The defaults: fuse up to 64 operations per expression, recompute shared values of up to 8 operations.
    /// </summary>
    public static readonly LoweringOptions Default = new();

    /// <summary>
    /// A fused expression larger than this is materialised, which bounds kernel size (the JIT stops optimising very
    /// large methods) and keeps expression trees shallow however long the graph's chains are.
    /// </summary>
    public int MaxFusedOps
    {
        get => maxFusedOps;
        init
        {
            // Expression trees are walked recursively by backends; the cap is also what bounds their depth.
            if (value is < 1 or > 4096)
                throw new ArgumentOutOfRangeException(nameof(MaxFusedOps), value, "must be between 1 and 4096");
            maxFusedOps = value;
        }
    }

    private readonly int maxFusedOps = 64;

    /// <summary>
    /// A value with several consumers stays fused (recomputed by each consumer kernel, computed once per point inside
    /// one kernel, where backends share it by reference) when it has at most this many operations; a larger one is
    /// materialised once. Recomputing a few operations is cheaper than a round trip through memory.
    /// </summary>
    public int MaxSharedOps { get; init; } = 8;
}

/// <summary>
/// Lowers a graph to a <see cref="KernelProgram"/>. Walks the equations once, in order (no recursion over operands,
/// so graph depth is irrelevant), keeping each value either as a buffer or as a fused scalar expression over its own
/// index space. Elementwise ops build expressions; views (transpose, broadcast, slice, reshape, gather) rewrite the
/// loads of an expression; reductions, matmul, concat, pad and scatter_add emit kernels that consume expressions.
/// An expression is materialised into a buffer when it has several consumers and more than
/// <see cref="LoweringOptions.MaxSharedOps"/> operations, feeds a matmul, would be replicated
/// by a broadcast or gather, exceeds <see cref="LoweringOptions.MaxFusedOps"/>, or is a graph output.
/// </summary>
public sealed partial class Lowerer
{
    private readonly Graph graph;
    private readonly LoweringOptions options;
    private readonly List<BufferInfo> buffers = [];
    private readonly List<Kernel> kernels = [];
    private readonly ScalarExprInterner interner = new();   // the kernels' expressions, shared between kernels
    private readonly ScalarExpr?[] values;
    private readonly int[] uses;
    private readonly bool[] feedsMatMul;  // some live consumer is a matmul, which needs the value in a buffer anyway
    private readonly bool[] feedsExtremum; // some live consumer is a max or min, whose result other consumers may compare with it
    private readonly int[] firstOutput;   // output position of a node's first occurrence among the outputs, or -1
    private readonly int[] outputBuffer;  // the output buffer holding a node's value, or -1
    private Dictionary<Node, List<Node>> siblings = new(ReferenceEqualityComparer.Instance);

    private Lowerer(Graph graph, LoweringOptions options)
    {
        this.graph = graph;
        this.options = options;
        values = new ScalarExpr?[graph.IdCount];
        uses = new int[graph.IdCount];
        feedsMatMul = new bool[graph.IdCount];
        feedsExtremum = new bool[graph.IdCount];
        firstOutput = new int[graph.IdCount];
        outputBuffer = new int[graph.IdCount];
        Array.Fill(firstOutput, -1);
        Array.Fill(outputBuffer, -1);
    }

    /// <summary>
    /// Lowers <paramref name="graph"/> as it is (custom calls replaced by their forward graphs, no other optimisation) to
    /// buffers and kernels.
    /// </summary>
    /// <param name="graph">A closed graph (no values captured from an enclosing trace).</param>
    /// <param name="options">Fusion limits; <see cref="LoweringOptions.Default"/> when null.</param>
    /// <exception cref="InvalidOperationException">The graph still captures values; inline it into its parent first.</exception>
    public static KernelProgram Lower(Graph graph, LoweringOptions? options = null)
    {
        if (graph.Captures.Count > 0)
            throw new InvalidOperationException("a graph with captured values cannot be lowered on its own; inline it first");
        return new Lowerer(InlineCustomCalls(graph), options ?? LoweringOptions.Default).Run();
    }

    /// <summary>
    /// Kernels compute forward values only, so custom calls are replaced by their forward graphs (the optimiser's
    /// final mode does exactly that); graphs without them are lowered as they are.
    /// </summary>
    private static Graph InlineCustomCalls(Graph graph)
    {
        foreach (var eq in graph.Equations)
        {
            if (eq.Op == OpCode.Custom) return Optimizer.Run(graph, new OptimizeOptions(Final: true));
        }
        return graph;
    }

    private KernelProgram Run()
    {
        var live = Optimizer.Liveness(graph);
        foreach (var eq in graph.Equations)
        {
            if (!live[eq.Id]) continue;
            foreach (var x in eq.Inputs)
            {
                uses[x.Id]++;
                feedsMatMul[x.Id] |= eq.Op == OpCode.MatMul;
                feedsExtremum[x.Id] |= eq.Op is OpCode.Max or OpCode.Min or OpCode.ReduceMax or OpCode.ReduceMin;
            }
        }
        for (int i = 0; i < graph.Outputs.Count; i++)
        {
            int id = graph.Outputs[i].Id;
            if (firstOutput[id] < 0) firstOutput[id] = i;
        }

        var inputBuffers = new int[graph.Inputs.Count];
        for (int i = 0; i < inputBuffers.Length; i++)
        {
            var x = graph.Inputs[i];
            inputBuffers[i] = NewBuffer(BufferKind.Input, x.Type, index: i);
            values[x.Id] = Whole(inputBuffers[i], x.Type);
        }

        siblings = ControlFlowSiblings(live);
        foreach (var eq in graph.Equations)
        {
            if (!live[eq.Id] || values[eq.Id] is not null) continue;   // results of a construct lowered together
            values[eq.Id] = Settle(eq, LowerEquation(eq));
            // An input whose last consumer this was no longer needs its value (unless it is an output, read at the
            // end): letting it go keeps the lowering's memory to the values in flight, not one tree per equation.
            foreach (var x in eq.InputArray)
            {
                if (--uses[x.Id] == 0 && firstOutput[x.Id] < 0) values[x.Id] = Released;
            }
        }

        var outputs = new int[graph.Outputs.Count];
        var types = new TensorType[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            var o = graph.Outputs[i];
            types[i] = o.Type;
            if (firstOutput[o.Id] == i && outputBuffer[o.Id] >= 0)
            {
                outputs[i] = outputBuffer[o.Id];
                continue;
            }
            // Inputs, constants, literals and repeated outputs: copy, since every call returns fresh arrays.
            outputs[i] = NewBuffer(BufferKind.Output, o.Type, index: i);
            Emit(outputs[i], o.Shape, Value(o), $"copy of %{o.Id} to output {i}");
        }
        return new KernelProgram(buffers.ToArray(), kernels.ToArray(), inputBuffers, outputs, types);
    }

    /// <summary>Decides whether the value just computed for <paramref name="eq"/> stays fused or gets a buffer.</summary>
    private ScalarExpr Settle(Node eq, ScalarExpr value)
    {
        bool isOutput = firstOutput[eq.Id] >= 0;
        if (isOutput && outputBuffer[eq.Id] < 0 && eq.Op is not (OpCode.Literal or OpCode.Constant))
        {
            int buffer = NewBuffer(BufferKind.Output, eq.Type, index: firstOutput[eq.Id]);
            outputBuffer[eq.Id] = buffer;
            Emit(buffer, eq.Shape, value, Describe(eq));
            return Views.IsTrivial(value) ? value : Whole(buffer, eq.Type);
        }
        if (Views.IsTrivial(value)) return value;
        if (value.Size > options.MaxFusedOps || (uses[eq.Id] > 1 && value.Size > options.MaxSharedOps))
            return Materialise(value, eq.Type, Describe(eq));
        // A matmul will store the value anyway: store it once, now, and let the other consumers read that buffer
        // instead of recomputing it (a transposed view of it, say, would otherwise be a strided recomputation).
        if (uses[eq.Id] > 1 && feedsMatMul[eq.Id])
            return Materialise(value, eq.Type, Describe(eq) + " (matmul operand)");
        // Max and min pick one of their operand's values, and their derivatives (and ArgMax) find it again by
        // comparing the operand with the result for equality. Two kernels recomputing the operand may round a
        // transcendental differently (a vector lane and a scalar tail do), and then nothing equals the max: the
        // gradient divides 0 by 0, ArgMax finds no index. So such an operand is stored once and read by all.
        if (uses[eq.Id] > 1 && feedsExtremum[eq.Id] && !IsExactlyRounded(value))
            return Materialise(value, eq.Type, Describe(eq) + " (max or min operand)");
        return value;
    }

    /// <summary>
    /// True when every operation in <paramref name="e"/> is exactly specified by IEEE 754 (or is integer or logical),
    /// so every backend, vector width and loop shape computes the same bits; transcendental functions are not.
    /// </summary>
    private static bool IsExactlyRounded(ScalarExpr e)
    {
        if (e is not OpExpr op) return true;
        bool exact = op.Op.Kind() is OpKind.Compare or OpKind.Select or OpKind.Cast
            || op.Op is OpCode.Neg or OpCode.Abs or OpCode.Sign or OpCode.Sqrt or OpCode.Add or OpCode.Sub or OpCode.Mul
                or OpCode.Div or OpCode.Max or OpCode.Min or OpCode.Floor or OpCode.Ceil or OpCode.Round or OpCode.Trunc
            || !op.Args[0].DType.IsFloat();   // integer and bitwise arithmetic is exact
        if (!exact) return false;
        foreach (var a in op.Args)
            if (!IsExactlyRounded(a)) return false;
        return true;
    }

    private ScalarExpr Value(Node x) =>
        values[x.Id] is { } value && !ReferenceEquals(value, Released)
            ? value
            : throw new InvalidOperationException($"lowering: %{x.Id} is used before it is defined or after its last use");

    /// <summary>The value of an equation whose consumers are all lowered (not null: it was lowered).</summary>
    private static readonly ScalarExpr Released = new ConstExpr(double.NaN, DType.Float32);

    /// <summary>A buffer for the result of a kernel-producing equation: its output buffer when it is an output.</summary>
    private int Target(Node eq)
    {
        if (firstOutput[eq.Id] >= 0 && outputBuffer[eq.Id] < 0)
        {
            outputBuffer[eq.Id] = NewBuffer(BufferKind.Output, eq.Type, index: firstOutput[eq.Id]);
            return outputBuffer[eq.Id];
        }
        return NewBuffer(BufferKind.Temporary, eq.Type);
    }

    private int NewBuffer(BufferKind kind, TensorType type, int index = -1, Array? data = null)
    {
        int id = buffers.Count;
        buffers.Add(new BufferInfo(id, kind, type.DType, type.Shape.Size, index, data));
        return id;
    }

    /// <summary>A contiguous load of a whole buffer over its own shape.</summary>
    private static LoadExpr Whole(int buffer, TensorType type) =>
        new(buffer, type.DType, IndexMap.Shared(0, type.Shape.Strides()), []);

    /// <summary>
    /// Materialises the value of <paramref name="x"/> for a consumer that needs a buffer, and keeps that buffer as x's
    /// value, so later consumers read it instead of recomputing the expression.
    /// </summary>
    private LoadExpr MaterialiseValue(Node x, string why)
    {
        var load = Materialise(Value(x), x.Type, $"%{x.Id} {x.Op.Name()} ({why})");
        values[x.Id] = load;
        return load;
    }

    /// <summary>Writes <paramref name="value"/> into a new temporary and returns a load of it.</summary>
    private LoadExpr Materialise(ScalarExpr value, TensorType type, string label)
    {
        int buffer = NewBuffer(BufferKind.Temporary, type);
        Emit(buffer, type.Shape, value, label);
        return Whole(buffer, type);
    }

    /// <summary>A map kernel writing <paramref name="value"/> contiguously over <paramref name="shape"/>.</summary>
    private void Emit(int buffer, Shape shape, ScalarExpr value, string label) =>
        kernels.Add(KernelNormalizer.Create(buffer, shape.ToArray(), null, IndexMap.Contiguous(shape), [], value, label: label, interner: interner));

    private static string Describe(Node eq) => $"%{eq.Id} {eq.Op.Name()}";
}
