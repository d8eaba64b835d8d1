using System.Text;
using Tracer.Compiler.Lowering;

namespace Tracer.Compiler;

/// <summary>
/// What a backend compiles: an optimised graph, its kernel program (null for backends that run graphs, such as the
/// reference interpreter) and, for every control-flow sub-graph that the program's host kernels run, that sub-graph
/// lowered the same way. Printable, nested bodies included.
/// </summary>
public sealed class LoweredProgram
{
    /// <summary>Bundles a lowered graph; the pipeline builds these (see <see cref="Pipeline.Lower"/>).</summary>
    /// <param name="graph">The optimised graph.</param>
    /// <param name="kernels">Its kernel program, or null when the backend runs graphs (<see cref="IBackend.ConsumesKernels"/> false).</param>
    /// <param name="bodies">Every control-flow sub-graph of the program, lowered, keyed by reference.</param>
    public LoweredProgram(Graph graph, KernelProgram? kernels, IReadOnlyDictionary<Graph, LoweredProgram> bodies)
    {
        this.graph = graph;
        Kernels = kernels;
        Bodies = bodies;
    }

    private LoweredProgram(KernelProgram kernels, IReadOnlyDictionary<Graph, LoweredProgram> bodies)
    {
        Kernels = kernels;
        Bodies = bodies;
    }

    private readonly Graph? graph;

    /// <summary>The optimised graph the program was lowered from (the graph itself for graph-running backends).</summary>
    public Graph Graph => graph ?? throw new InvalidOperationException(
        "lowering: this program was lowered for running only and did not keep its graph (see Pipeline.CompileToRun)");

    /// <summary>
    /// The same kernel program without its graph, which backends that consume kernels never read: a compile for
    /// running hands this to code generation so that the graph is garbage while the kernels are compiled.
    /// </summary>
    internal LoweredProgram WithoutGraph() => Kernels is { } kernels ? new LoweredProgram(kernels, Bodies) : this;

    /// <summary>
    /// The kernel program, or null for a backend that runs the graph itself (the reference interpreter).
    /// </summary>
    public KernelProgram? Kernels { get; }

    /// <summary>Each control-flow sub-graph of the program (compared by reference), lowered.</summary>
    public IReadOnlyDictionary<Graph, LoweredProgram> Bodies { get; }

    /// <summary>The lowered body of <paramref name="subGraph"/>, a sub-graph of one of this program's constructs.</summary>
    public LoweredProgram Body(Graph subGraph) =>
        Bodies.TryGetValue(subGraph, out var body)
            ? body
            : throw new InvalidOperationException("lowering: a control-flow sub-graph was not lowered with its program");

    /// <summary>The kernel program (or the graph), then each control-flow body indented below it.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Append(sb, "");
        return sb.ToString();
    }

    private void Append(StringBuilder sb, string indent)
    {
        string text = Kernels?.ToString() ?? "graph (run equation by equation)\n" + Graph;
        foreach (var line in text.TrimEnd('\n').Split('\n')) sb.Append(indent).Append(line).Append('\n');
        int i = 0;
        foreach (var body in Bodies.Values)
        {
            sb.Append(indent).Append("  body ").Append(i++).Append(":\n");
            body.Append(sb, indent + "    ");
        }
    }
}
