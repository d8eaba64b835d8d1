namespace Tracer.Compiler;

/// <summary>
/// A trace in progress: it records equations as ops are applied to its symbolic values, checking shapes and dtypes
/// with the rule set as it goes. Traces nest (a transform called inside a traced function starts an inner trace);
/// an inner trace that uses a value of an enclosing one records it as a <see cref="Capture"/>.
/// </summary>
public sealed class GraphBuilder
{
    [ThreadStatic]
    private static GraphBuilder? current;

    private readonly List<Node> inputs = [];
    private readonly List<Node> equations = [];
    private readonly List<Capture> captures = [];
    private readonly Dictionary<Node, Node> captureOf = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(double, DType), Node> literals = [];
    private int nextId;
    private int nextOrdinal;

    /// <param name="rules">Shape rules used to type every equation.</param>
    /// <param name="parent">The enclosing trace whose values this one may capture; null at top level.</param>
    public GraphBuilder(IRuleSet rules, GraphBuilder? parent)
    {
        Rules = rules;
        Parent = parent;
    }

    /// <summary>The innermost trace active on this thread, or null outside tracing.</summary>
    public static GraphBuilder? Current => current;

    /// <summary>The rules that type and check every equation.</summary>
    public IRuleSet Rules { get; }

    /// <summary>The enclosing trace, when this one is nested (a transform inside a traced function).</summary>
    public GraphBuilder? Parent { get; }

    /// <summary>
    /// The source location recorded on equations emitted from now on (null: none). Set by the front end per traced
    /// op while debugging NaNs, and by <see cref="Replay"/> so that copies keep their original's location.
    /// </summary>
    public string? SourceHint { get; set; }

    /// <summary>True once <see cref="Build"/> ran: its values can no longer be used.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>Makes this trace the current one until the returned scope is disposed.</summary>
    public Scope Activate()
    {
        var scope = new Scope(current);
        current = this;
        return scope;
    }

    /// <summary>Restores the previously active trace when disposed.</summary>
    public readonly struct Scope(GraphBuilder? previous) : IDisposable
    {
        /// <summary>Makes the trace active before <see cref="Activate"/> current again.</summary>
        public void Dispose() => current = previous;
    }

    /// <summary>Appends a parameter of <paramref name="type"/> to the graph.</summary>
    public Node Input(TensorType type)
    {
        var node = new Node(this, nextId++, nextOrdinal++, OpCode.Input, new Attrs { Index = inputs.Count }, [], type);
        inputs.Add(node);
        return node;
    }

    /// <summary>A scalar literal, printed inline as <c>3.0:f32[]</c>.</summary>
    public Node Literal(double value, DType dtype)
    {
        if (dtype == DType.Int32) value = Math.Truncate(value);
        else if (dtype == DType.Bool) value = value != 0 ? 1 : 0;
        else if (dtype == DType.Float32) value = (float)value;
        if (literals.TryGetValue((value, dtype), out var lit)) return lit;
        lit = Append(OpCode.Literal, new Attrs { Value = value, DType = dtype }, [], new TensorType(Shape.Scalar, dtype));
        literals[(value, dtype)] = lit;
        return lit;
    }

    /// <summary>An array constant (a concrete tensor closed over by the traced function).</summary>
    public Node Constant(Array data, Shape shape)
    {
        var dtype = DTypeExtensions.OfArray(data);
        if (data.Length != shape.Size)
            throw new ArgumentException($"constant: {data.Length} elements do not fill shape {shape}");
        return Append(OpCode.Constant, new Attrs { Data = data, DType = dtype }, [], new TensorType(shape, dtype));
    }

    /// <summary>Records one equation after typing it with its shape rule.</summary>
    public Node Emit(OpCode op, Attrs attrs, params Node[] args)
    {
        var resolved = new Node[args.Length];
        var types = new TensorType[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            resolved[i] = Resolve(args[i]);
            types[i] = resolved[i].Type;
        }
        var type = Rules.Get(op).InferType(attrs, types);
        return Append(op, attrs, resolved, type);
    }

    /// <summary>
    /// A value usable in this trace: its own nodes as they are, an enclosing trace's as a capture; anything else is
    /// an error (a tracer that escaped a finished trace, or one from an unrelated trace).
    /// </summary>
    public Node Resolve(Node node)
    {
        if (ReferenceEquals(node.Owner, this)) return node;
        if (node.Owner.IsFinished)
        {
            throw new InvalidOperationException(
                $"a symbolic tensor {node.Type} is a tracer from a finished trace: it was created while tracing a " +
                "function and used after that trace ended (e.g. stored in a field or captured by a closure). " +
                "Return it from the traced function instead, or pass it in as an argument. See docs/sharp-bits.md#escaped-tracers.");
        }
        for (var p = Parent; p is not null; p = p.Parent)
        {
            if (ReferenceEquals(p, node.Owner))
            {
                if (captureOf.TryGetValue(node, out var inner)) return inner;
                inner = new Node(this, nextId++, nextOrdinal++, OpCode.Input, new Attrs { Index = -1 - captures.Count }, [], node.Type);
                captures.Add(new Capture(inner, node));
                captureOf[node] = inner;
                return inner;
            }
        }
        throw new InvalidOperationException(
            $"a symbolic tensor {node.Type} belongs to another trace that is not enclosing this one " +
            "(for example one running on another thread); pass it in as an argument instead.");
    }

    /// <summary>Finishes the trace: the graph's outputs are <paramref name="outputs"/>; the trace's values expire.</summary>
    public Graph Build(IReadOnlyList<Node> outputs)
    {
        var outs = new Node[outputs.Count];
        for (int i = 0; i < outs.Length; i++) outs[i] = Resolve(outputs[i]);
        IsFinished = true;
        return new Graph(this, inputs.ToArray(), captures.ToArray(), equations.ToArray(), outs, nextId);
    }

    /// <summary>Marks the trace finished without building a graph (the traced function threw).</summary>
    public void Abandon() => IsFinished = true;

    private Node Append(OpCode op, Attrs attrs, Node[] args, TensorType type)
    {
        if (IsFinished) throw new InvalidOperationException("this trace has finished; no more equations can be added");
        var node = new Node(this, nextId++, op == OpCode.Literal ? -1 : nextOrdinal++, op, attrs, args, type, SourceHint);
        equations.Add(node);
        return node;
    }
}
