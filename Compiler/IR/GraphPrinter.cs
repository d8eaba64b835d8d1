using System.Globalization;
using System.Text;

namespace Tracer.Compiler;

/// <summary>Prints graphs as jaxpr-like text and as Graphviz dot (one node per equation, sub-graphs summarised).</summary>
public static class GraphPrinter
{
    /// <summary>Jaxpr-like text; control-flow and custom-rule sub-graphs print in full, nested (see <see cref="GraphText"/>).</summary>
    public static string ToText(Graph g) => GraphText.Write(g);

    /// <summary>The Graphviz dot text of <paramref name="g"/>.</summary>
    public static string ToDot(Graph g)
    {
        var names = Names(g);
        var sb = new StringBuilder("digraph G {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
        foreach (var c in g.CaptureArray)
            sb.Append($"  {names[c.Inner]} [label=\"{names[c.Inner]}: {c.Inner.Type}\\n(captured)\", shape=ellipse];\n");
        foreach (var x in g.InputArray)
            sb.Append($"  {names[x]} [label=\"{names[x]}: {x.Type}\", shape=ellipse];\n");
        foreach (var eq in g.EquationArray)
        {
            if (eq.Op == OpCode.Literal) continue;
            string attrs = eq.Op == OpCode.Constant ? "" : eq.Attrs.Format(eq.Op).Replace("\"", "'");
            sb.Append($"  {names[eq]} [label=\"{names[eq]} = {eq.Op.Name()}{attrs}\\n{eq.Type}\"];\n");
            foreach (var input in eq.InputArray)
            {
                if (input.Op == OpCode.Literal)
                    sb.Append($"  {names[eq]} [xlabel=\"{Literal(input)}\"];\n");
                else
                    sb.Append($"  {names[input]} -> {names[eq]};\n");
            }
        }
        for (int i = 0; i < g.OutputArray.Length; i++)
        {
            var o = g.OutputArray[i];
            sb.Append($"  out{i} [label=\"out {i}\", shape=plaintext];\n");
            if (o.Op != OpCode.Literal) sb.Append($"  {names[o]} -> out{i};\n");
        }
        return sb.Append("}\n").ToString();
    }

    /// <summary>Literal as printed inline: <c>3.0:f32[]</c>.</summary>
    public static string Literal(Node lit) => FormatScalar(lit.Attrs.Value, lit.DType) + ":" + lit.Type;

    /// <summary>A scalar as printed in graphs, e.g. <c>3.0:f32[]</c> without the type.</summary>
    public static string FormatScalar(double v, DType dtype) => dtype switch
    {
        DType.Bool => v != 0 ? "True" : "False",
        DType.Int32 => ((int)v).ToString(CultureInfo.InvariantCulture),
        DType.Float32 => FloatText(((float)v).ToString("R", CultureInfo.InvariantCulture)),
        _ => FloatText(v.ToString("R", CultureInfo.InvariantCulture)),
    };

    private static string FloatText(string s) =>
        s.Contains('.') || s.Contains('E') || s.Contains("Infinity") || s.Contains("NaN") ? s : s + ".0";

    internal static string FormatData(Array data)
    {
        const int Shown = 6;
        var sb = new StringBuilder();
        var dtype = DTypeExtensions.OfArray(data);
        int n = Math.Min(data.Length, Shown);
        for (int i = 0; i < n; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(FormatScalar(Convert.ToDouble(data.GetValue(i), CultureInfo.InvariantCulture), dtype));
        }
        if (data.Length > Shown) sb.Append(",...");
        return sb.ToString();
    }

    /// <summary>Names in jaxpr style from each value's ordinal in its trace: a..z, then ba, bb, ...</summary>
    private static Dictionary<Node, string> Names(Graph g)
    {
        var names = new Dictionary<Node, string>(ReferenceEqualityComparer.Instance);
        foreach (var c in g.CaptureArray) names[c.Inner] = c.Inner.Name;
        foreach (var x in g.InputArray) names[x] = x.Name;
        foreach (var eq in g.EquationArray)
        {
            if (eq.Op != OpCode.Literal) names[eq] = eq.Name;
        }
        return names;
    }

    /// <summary>The variable name of the value with ordinal <paramref name="i"/>: a, b, ..., z, ba, bb...</summary>
    public static string Name(int i)
    {
        var sb = new StringBuilder();
        do
        {
            sb.Insert(0, (char)('a' + i % 26));
            i /= 26;
        }
        while (i > 0);
        // "a..z" then "ba..bz" (base-26 digits with 'a' as zero), as jaxprs do.
        return sb.ToString();
    }
}
