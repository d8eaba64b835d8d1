namespace Tracer.Compiler;

/// <summary>
/// A finished trace: inputs, equations in dependency order and outputs. Immutable and printable
/// (<see cref="ToString"/> gives jaxpr-like text, <see cref="ToDot"/> Graphviz).
/// </summary>
public sealed class Graph
{
    internal Graph(GraphBuilder builder, Node[] inputs, Capture[] captures, Node[] equations, Node[] outputs)
    {
        Builder = builder;
        InputArray = inputs;
        CaptureArray = captures;
        EquationArray = equations;
        OutputArray = outputs;
    }

    internal GraphBuilder Builder { get; }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Node> Inputs => InputArray;

    /// <summary>Values of enclosing traces this graph closes over (nested transforms), as extra inputs.</summary>
    public IReadOnlyList<Capture> Captures => CaptureArray;

    /// <summary>Every non-input node, in an order where inputs come before users.</summary>
    public IReadOnlyList<Node> Equations => EquationArray;

    public IReadOnlyList<Node> Outputs => OutputArray;

    internal Node[] InputArray { get; }

    internal Capture[] CaptureArray { get; }

    internal Node[] EquationArray { get; }

    internal Node[] OutputArray { get; }

    public override string ToString() => GraphPrinter.ToText(this);

    public string ToDot() => GraphPrinter.ToDot(this);
}

/// <summary>A value of an enclosing trace used inside a nested one; <see cref="Inner"/> stands for it there.</summary>
public readonly record struct Capture(Node Inner, Node Outer);
