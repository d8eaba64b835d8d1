namespace Tracer.Compiler;

/// <summary>
/// One equation of a graph and the value it defines (single output, SSA). Nodes are immutable once built and are
/// owned by the <see cref="GraphBuilder"/> (the trace) that created them.
/// </summary>
public sealed class Node
{
    internal Node(GraphBuilder owner, int id, int ordinal, OpCode op, Attrs attrs, Node[] inputs, TensorType type, string? source = null)
    {
        Source = source;
        Owner = owner;
        Id = id;
        Ordinal = ordinal;
        Op = op;
        Attrs = attrs;
        InputArray = inputs;
        shape = type.Shape;
        dtype = type.DType;
    }

    /// <summary>The trace that created this node.</summary>
    public GraphBuilder Owner { get; }

    /// <summary>Creation order within its trace; unique per trace.</summary>
    public int Id { get; }

    /// <summary>Position among the trace's named (non-literal) values; the printed name derives from it.</summary>
    public int Ordinal { get; }

    /// <summary>The jaxpr-style variable name (a, b, ..., z, ba, ...); literals print as their value.</summary>
    public string Name => Op == OpCode.Literal ? GraphPrinter.Literal(this) : GraphPrinter.Name(Ordinal);

    /// <summary>The primitive this equation applies.</summary>
    public OpCode Op { get; }

    /// <summary>The primitive's static parameters.</summary>
    public Attrs Attrs { get; }

    /// <summary>The operands, in order.</summary>
    public IReadOnlyList<Node> Inputs => InputArray;

    internal Node[] InputArray { get; }

    /// <summary>The shape and dtype of the value.</summary>
    public TensorType Type => new(shape, dtype);

    // Kept apart rather than as one TensorType field: the struct's padding made every node 8 bytes larger, and graphs
    // of long unrolled programs have millions of nodes.
    private readonly Shape shape;
    private readonly DType dtype;

    /// <summary>The shape of the value.</summary>
    public Shape Shape => shape;

    /// <summary>The element type of the value.</summary>
    public DType DType => dtype;

    /// <summary>Whether this is a scalar literal (printed as its value).</summary>
    public bool IsLiteral => Op == OpCode.Literal;

    /// <summary>
    /// Where the user's code created this value (file:line), recorded only while <c>Jit.Config.DebugNans</c> is on;
    /// copies made by transforms and passes keep it (a backward-pass value carries its forward op's line).
    /// </summary>
    public string? Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"%{Id}:{Type} = {Op.Name()}";

    // Operators for writing rules: they emit into the innermost active trace (GraphBuilder.Current).
    /// <summary>Emits the elementwise sum into the current trace.</summary>
    public static Node operator +(Node a, Node b) => Ir.Add(a, b);

    /// <summary>Emits the elementwise difference into the current trace.</summary>
    public static Node operator -(Node a, Node b) => Ir.Sub(a, b);

    /// <summary>Emits the elementwise product into the current trace.</summary>
    public static Node operator *(Node a, Node b) => Ir.Mul(a, b);

    /// <summary>Emits the elementwise quotient into the current trace.</summary>
    public static Node operator /(Node a, Node b) => Ir.Div(a, b);

    /// <summary>Emits the elementwise negation into the current trace.</summary>
    public static Node operator -(Node a) => Ir.Neg(a);

    /// <summary>Emits the elementwise sum with a literal of the node's dtype.</summary>
    public static Node operator +(Node a, double b) => Ir.Add(a, Ir.Lit(b, a.DType));

    /// <summary>Emits the elementwise difference with a literal of the node's dtype.</summary>
    public static Node operator -(Node a, double b) => Ir.Sub(a, Ir.Lit(b, a.DType));

    /// <summary>Emits the elementwise product with a literal of the node's dtype.</summary>
    public static Node operator *(Node a, double b) => Ir.Mul(a, Ir.Lit(b, a.DType));

    /// <summary>Emits the elementwise quotient with a literal of the node's dtype.</summary>
    public static Node operator /(Node a, double b) => Ir.Div(a, Ir.Lit(b, a.DType));

    /// <summary>Emits the elementwise sum with a literal of the node's dtype.</summary>
    public static Node operator +(double a, Node b) => Ir.Add(Ir.Lit(a, b.DType), b);

    /// <summary>Emits the elementwise difference with a literal of the node's dtype.</summary>
    public static Node operator -(double a, Node b) => Ir.Sub(Ir.Lit(a, b.DType), b);

    /// <summary>Emits the elementwise product with a literal of the node's dtype.</summary>
    public static Node operator *(double a, Node b) => Ir.Mul(Ir.Lit(a, b.DType), b);

    /// <summary>Emits the elementwise quotient with a literal of the node's dtype.</summary>
    public static Node operator /(double a, Node b) => Ir.Div(Ir.Lit(a, b.DType), b);
}
