using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// A finished trace: inputs, equations in dependency order and outputs. Immutable and printable
/// (<see cref="ToString"/> gives jaxpr-like text, <see cref="ToDot"/> Graphviz).
/// </summary>
public sealed class Graph
{
    internal Graph(GraphBuilder builder, Node[] inputs, Capture[] captures, Node[] equations, Node[] outputs, int idCount)
    {
        IdCount = idCount;
        Builder = builder;
        InputArray = inputs;
        CaptureArray = captures;
        EquationArray = equations;
        OutputArray = outputs;
    }

    internal GraphBuilder Builder { get; }

    /// <summary>Node ids of this graph are below this bound, so passes can index arrays by <see cref="Node.Id"/>.</summary>
    public int IdCount { get; }

    /// <summary>The rules this graph was typed with.</summary>
    public IRuleSet Rules => Builder.Rules;

    /// <summary>The trace enclosing the one that built this graph (where its captures come from).</summary>
    public GraphBuilder? Parent => Builder.Parent;

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Node> Inputs => InputArray;

    /// <summary>Values of enclosing traces this graph closes over (nested transforms), as extra inputs.</summary>
    public IReadOnlyList<Capture> Captures => CaptureArray;

    /// <summary>Every non-input node, in an order where inputs come before users.</summary>
    public IReadOnlyList<Node> Equations => EquationArray;

    /// <summary>The results, in order.</summary>
    public IReadOnlyList<Node> Outputs => OutputArray;

    internal Node[] InputArray { get; }

    internal Capture[] CaptureArray { get; }

    internal Node[] EquationArray { get; }

    internal Node[] OutputArray { get; }

    /// <summary>The same graph with only outputs [start, start + count) kept (dead equations stay until DCE).</summary>
    public Graph WithOutputs(int start, int count) =>
        new(Builder, InputArray, CaptureArray, EquationArray, OutputArray.AsSpan(start, count).ToArray(), IdCount);

    /// <summary>The graph as jaxpr-like text: typed inputs, one equation per line, outputs.</summary>
    public override string ToString() => GraphPrinter.ToText(this);

    /// <summary>The graph in Graphviz dot syntax.</summary>
    public string ToDot() => GraphPrinter.ToDot(this);
}

/// <summary>A value of an enclosing trace used inside a nested one; <see cref="Inner"/> stands for it there.</summary>
public readonly record struct Capture(Node Inner, Node Outer);
