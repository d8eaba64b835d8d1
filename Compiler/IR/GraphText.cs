using System.Text;

namespace Tracer.Compiler;

/// <summary>
/// Jaxpr-like text of a graph. The sub-graphs of control-flow constructs and custom rules print in full, nested and
/// indented under their equation, and the results of one construct print as one equation with several results:
/// <code>
/// c:f32[] d:f32[3] = scan[length=3 carries=1 xs=1 consts=0
///   body={ lambda e:f32[] f:f32[] .
///       g:f32[] = add e f
///     in (g, g) }] a b
/// </code>
/// </summary>
internal sealed class GraphText
{
    private readonly StringBuilder sb = new();

    // Names of nested graphs continue after every name used so far, so that no name stands for two values.
    private int nextName;

    private GraphText(int firstFreeName) => nextName = firstFreeName;

    public static string Write(Graph g)
    {
        // The outermost graph keeps each value's own name (Node.Name), which symbolic tensors also print.
        var names = new Dictionary<Node, string>(ReferenceEqualityComparer.Instance);
        int used = 0;
        foreach (var n in Values(g))
        {
            names[n] = n.Name;
            used = Math.Max(used, n.Ordinal + 1);
        }
        var text = new GraphText(used);
        text.Lambda(g, names, 0);
        return text.sb.ToString();
    }

    private static IEnumerable<Node> Values(Graph g)
    {
        foreach (var c in g.CaptureArray) yield return c.Inner;
        foreach (var x in g.InputArray) yield return x;
        foreach (var eq in g.EquationArray)
        {
            if (eq.Op != OpCode.Literal) yield return eq;
        }
    }

    /// <summary><c>{ lambda inputs . equations in (outputs) }</c>, its equations <paramref name="indent"/> + 4 deep.</summary>
    private void Lambda(Graph g, Dictionary<Node, string> names, int indent)
    {
        sb.Append("{ lambda ");
        if (g.CaptureArray.Length > 0)
        {
            foreach (var c in g.CaptureArray) sb.Append(names[c.Inner]).Append(':').Append(c.Inner.Type).Append(' ');
            sb.Append("; ");
        }
        foreach (var x in g.InputArray) sb.Append(names[x]).Append(':').Append(x.Type).Append(' ');
        sb.Append(".\n");
        var siblings = Siblings.Of(g);
        foreach (var eq in g.EquationArray)
        {
            if (eq.Op == OpCode.Literal) continue;
            var group = siblings[eq.Id];
            if (group is not null && !ReferenceEquals(group[0], eq)) continue;   // printed with the first result
            sb.Append(' ', indent + 4);
            Equation(eq, group ?? [eq], names, indent + 4);
            sb.Append('\n');
        }
        sb.Append(' ', indent + 2).Append("in (");
        for (int i = 0; i < g.OutputArray.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Ref(g.OutputArray[i], names));
        }
        sb.Append(") }");
    }

    private void Equation(Node eq, Node[] results, Dictionary<Node, string> names, int indent)
    {
        for (int i = 0; i < results.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(names[results[i]]).Append(':').Append(results[i].Type);
        }
        sb.Append(" = ").Append(eq.Op.Name());
        if (eq.Op == OpCode.Constant)
            sb.Append('[').Append(GraphPrinter.FormatData(eq.Attrs.Data!)).Append(']');
        else if (eq.Attrs.Control is { } def)
            Nested(def.Parameters() + ResultIndices(def, results), def.NamedSubGraphs(), indent);
        else if (eq.Attrs.Custom is { } call)
            Nested($"name={call.Name}", [("joint", call.Joint)], indent);
        else
            sb.Append(eq.Attrs.Format(eq.Op));
        foreach (var input in eq.InputArray) sb.Append(' ').Append(Ref(input, names));
    }

    /// <summary>The results printed, when they are not simply all of the construct's results in order.</summary>
    private static string ResultIndices(ControlFlow def, Node[] results)
    {
        bool all = results.Length == def.ResultCount;
        for (int i = 0; all && i < results.Length; i++) all = results[i].Attrs.Index == i;
        return all ? "" : " results=(" + string.Join(",", Array.ConvertAll(results, r => r.Attrs.Index)) + ")";
    }

    /// <summary><c>[parameters</c>, then each sub-graph on its own lines, two deeper than the equation, then <c>]</c>.</summary>
    private void Nested(string parameters, IReadOnlyList<(string Name, Graph Graph)> graphs, int indent)
    {
        sb.Append('[').Append(parameters);
        foreach (var (name, graph) in graphs)
        {
            sb.Append('\n').Append(' ', indent + 2).Append(name).Append('=');
            Lambda(graph, FreshNames(graph), indent + 2);
        }
        sb.Append(']');
    }

    private Dictionary<Node, string> FreshNames(Graph g)
    {
        var names = new Dictionary<Node, string>(ReferenceEqualityComparer.Instance);
        foreach (var n in Values(g)) names[n] = GraphPrinter.Name(nextName++);
        return names;
    }

    private static string Ref(Node n, Dictionary<Node, string> names) => n.Op == OpCode.Literal ? GraphPrinter.Literal(n) : names[n];
}
