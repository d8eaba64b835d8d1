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
    private bool built;
    private HashSet<Node>? emitted;   // with OptimizesOnEmit: every equation recorded so far (found by Equation)
    private readonly List<Capture> captures = [];
    private readonly Dictionary<Node, Node> captureOf = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(double, DType), Node> literals = [];

    // One instance per distinct shape and per distinct plain Attrs among this graph's equations: rules build a new
    // shape array and Attrs per equation, and a long unrolled chain repeats the same few thousands of times, so
    // sharing them makes a node cost its own fields only (both are immutable).
    private readonly Dictionary<Shape, Shape> shapes = [];
    private readonly Dictionary<Attrs, Attrs> plainAttrs = [];
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

    /// <summary>
    /// Whether <see cref="Emit"/> does what the optimiser's replay would do later: returns the equation already
    /// recorded for the same op, attributes and inputs (CSE) and applies the algebraic simplifications (x*1, -(-x),
    /// constant folding...) instead of recording the equation as asked; control flow and custom calls are recorded as
    /// they are. Reverse mode sets it on its trace (which must be the active one): the pullbacks of a long chain repeat
    /// work (two operands' un-broadcasts sum the same cotangent), and a gradient graph recorded without such
    /// redundancy needs no rewriting replay by the optimiser, only the removal of dead equations. Reverse mode turns
    /// it on after replaying the primal equations as they are (pullback rules read a primal equation's op and inputs,
    /// so those must not be rewritten); turning it on makes the equations recorded so far candidates for merging.
    /// </summary>
    public bool OptimizesOnEmit
    {
        get => optimizesOnEmit;
        set
        {
            if (value && !optimizesOnEmit)
            {
                emitted = new HashSet<Node>(SameEquation.Instance);
                foreach (var eq in equations)
                {
                    if (eq.Op is OpCode.Literal or OpCode.Constant || eq.Attrs.Control is not null || eq.Attrs.Custom is not null) continue;
                    emitted.Add(eq);
                }
            }
            optimizesOnEmit = value;
        }
    }

    private bool optimizesOnEmit;

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
        bool optimise = OptimizesOnEmit && attrs.Control is null && attrs.Custom is null && ReferenceEquals(current, this);
        if (optimise && (emitted ??= new(SameEquation.Instance)).GetAlternateLookup<Equation>().TryGetValue(new Equation(op, attrs, resolved), out var existing))
            return existing;
        var type = Rules.Get(op).InferType(attrs, types);
        if (optimise && Simplifier.TrySimplify(op, attrs, type, resolved, Rules, default) is { } simpler) return simpler;
        var node = Append(op, attrs, resolved, type);
        if (optimise) emitted!.Add(node);
        return node;
    }

    /// <summary>An equation not recorded yet, as the duplicate check looks it up: op, attributes and inputs.</summary>
    private readonly record struct Equation(OpCode Op, Attrs Attrs, Node[] Inputs);

    /// <summary>
    /// Recorded equations compared as CSE compares them: same op, equal attributes, the same inputs (by reference).
    /// The table holds the nodes themselves (no key objects) and is searched with an <see cref="Equation"/>.
    /// </summary>
    private sealed class SameEquation : IEqualityComparer<Node>, IAlternateEqualityComparer<Equation, Node>
    {
        public static readonly SameEquation Instance = new();

        public bool Equals(Node? a, Node? b) => Equals(new Equation(b!.Op, b.Attrs, b.InputArray), a!);

        public int GetHashCode(Node n) => GetHashCode(new Equation(n.Op, n.Attrs, n.InputArray));

        public bool Equals(Equation e, Node n) =>
            e.Op == n.Op && e.Inputs.AsSpan().SequenceEqual(n.InputArray) && e.Attrs.Equals(n.Attrs);

        public int GetHashCode(Equation e)
        {
            var h = new HashCode();
            h.Add(e.Op);
            h.Add(e.Attrs);
            foreach (var x in e.Inputs) h.Add(x.Id);
            return h.ToHashCode();
        }

        public Node Create(Equation e) => throw new NotSupportedException("equations are recorded by Emit, not by the table");
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
        // The graph keeps this builder (its rules and parent), so the list is emptied: the graph's array is the one
        // copy, and a graph that drops equations (the optimiser's sweep) lets them go.
        if (built) throw new InvalidOperationException("this trace was already built into a graph; build it once");
        built = true;
        var eqs = equations.ToArray();
        equations.Clear();
        equations.TrimExcess();
        shapes.Clear();
        plainAttrs.Clear();
        emitted = null;
        return new Graph(this, inputs.ToArray(), captures.ToArray(), eqs, outs, nextId);
    }

    /// <summary>Marks the trace finished without building a graph (the traced function threw).</summary>
    public void Abandon() => IsFinished = true;

    private Node Append(OpCode op, Attrs attrs, Node[] args, TensorType type)
    {
        if (IsFinished) throw new InvalidOperationException("this trace has finished; no more equations can be added");
        if (type.Shape.Rank > 0)
        {
            if (shapes.TryGetValue(type.Shape, out var shape)) type = new TensorType(shape, type.DType);
            else shapes.Add(type.Shape, type.Shape);
        }
        if (op != OpCode.Literal && attrs.Control is null && attrs.Custom is null && attrs.Data is null && !ReferenceEquals(attrs, Attrs.None))
        {
            if (plainAttrs.TryGetValue(attrs, out var shared)) attrs = shared;
            else plainAttrs.Add(attrs, attrs);
        }
        var node = new Node(this, nextId++, op == OpCode.Literal ? -1 : nextOrdinal++, op, attrs, args, type, SourceHint);
        equations.Add(node);
        return node;
    }
}
