using System.Runtime.InteropServices;
using Tracer.Compiler;
using static Tracer.OnnxFields;

namespace Tracer;

/// <summary>
/// Structured control flow as ONNX sub-graphs: scan and while become <c>Loop</c>, switch a chain of <c>If</c>.
/// A sub-graph reads the enclosing graph's values by name (ONNX's outer scope), so consts and scanned inputs are
/// not passed in; only loop-carried values are sub-graph inputs.
/// </summary>
internal sealed partial class OnnxGraphWriter
{
    /// <summary>ONNX names of a construct's results; one node computes them all, whichever equation comes first.</summary>
    private readonly Dictionary<(ControlFlow, string), string[]> constructs = new();

    private void ControlFlow(Node eq, string[] args)
    {
        var def = eq.Attrs.Control!;
        var key = (def, string.Join(",", args));
        if (!constructs.TryGetValue(key, out var results))
        {
            results = new string[def.ResultCount];
            for (int i = 0; i < results.Length; i++) results[i] = Fresh("result");
            switch (def)
            {
                case ScanDef scan: Scan(scan, args, results); break;
                case WhileDef loop: While(loop, args, results); break;
                case SwitchDef choice: Switch(choice, args, 0, results); break;
                default: throw new NotSupportedException($"Onnx.Export: control flow '{eq.Op.Name()}' is not exported");
            }
            constructs[key] = results;
        }
        names[eq.Id] = results[eq.Attrs.Index];
    }

    /// <summary>
    /// scan: a Loop of <c>Length</c> iterations; the body gathers row t of each scanned input (t counted from the end
    /// when reversed) and the Loop stacks the per-step outputs in iteration order, so reversed scans are flipped back.
    /// </summary>
    private void Scan(ScanDef scan, string[] args, string[] results)
    {
        int c = scan.Carries, x = scan.Xs, k = scan.Consts;
        var body = Child();
        string iteration = body.Fresh("iteration"), condition = body.Fresh("condition");
        body.Declare(iteration, new TensorType(Shape.Scalar, DType.Int32), DataInt64);
        body.Declare(condition, new TensorType(Shape.Scalar, DType.Bool));
        var bound = new string[c + x + k];
        for (int i = 0; i < c; i++)
        {
            bound[i] = body.Fresh("carry");
            body.Declare(bound[i], scan.Body.Inputs[i].Type);
        }
        string row = scan.Reverse ? body.Node("Sub", [body.Int64Scalar(scan.Length - 1), iteration]) : iteration;
        for (int i = 0; i < x; i++) bound[c + i] = body.Node("Gather", [args[c + i], row], Attr.Int("axis", 0));
        for (int i = 0; i < k; i++) bound[c + x + i] = args[c + x + i];
        var outs = body.Inline(scan.Body, bound);
        body.Outputs([body.Node("Identity", [condition]), .. outs], [new TensorType(Shape.Scalar, DType.Bool), .. Types(scan.Body.Outputs)]);

        var loopOutputs = (string[])results.Clone();
        for (int j = 0; scan.Reverse && j < scan.Ys; j++) loopOutputs[c + j] = Fresh("stacked");
        Node("Loop", [Int64Scalar(scan.Length), "", .. args.AsSpan(0, c)], loopOutputs, Attr.Graph("body", body.graph));
        for (int j = 0; scan.Reverse && j < scan.Ys; j++)
        {
            // Reverse along axis 0: from the last row down past the first.
            Node("Slice", [loopOutputs[c + j], Int64s(new long[] { -1 }), Int64s(new long[] { long.MinValue }), Int64s(new long[] { 0 }), Int64s(new long[] { -1 })], results[c + j]);
        }
    }

    /// <summary>while: a Loop without a trip count whose condition is evaluated before the first and after every iteration.</summary>
    private void While(WhileDef loop, string[] args, string[] results)
    {
        int c = loop.Carries, k = loop.Consts;
        string first = Scalar(Inline(loop.Cond, args)[0]);
        var body = Child();
        string iteration = body.Fresh("iteration"), condition = body.Fresh("condition");
        body.Declare(iteration, new TensorType(Shape.Scalar, DType.Int32), DataInt64);
        body.Declare(condition, new TensorType(Shape.Scalar, DType.Bool));
        var bound = new string[c + k];
        for (int i = 0; i < c; i++)
        {
            bound[i] = body.Fresh("carry");
            body.Declare(bound[i], loop.Body.Inputs[i].Type);
        }
        for (int i = 0; i < k; i++) bound[c + i] = args[c + i];
        var next = body.Inline(loop.Body, bound);
        var again = (string[])bound.Clone();
        for (int i = 0; i < c; i++) again[i] = next[i];
        string more = body.Scalar(body.Inline(loop.Cond, again)[0]);
        body.Outputs([more, .. next], [new TensorType(Shape.Scalar, DType.Bool), .. Types(loop.Body.Outputs)]);
        Node("Loop", ["", first, .. args.AsSpan(0, c)], results, Attr.Graph("body", body.graph));
    }

    /// <summary>
    /// switch over branches <paramref name="from"/>.. : If(index &lt;= from, branch from, the switch over the rest);
    /// the last branch takes every larger index and the first every smaller one, as the clamp does.
    /// </summary>
    private void Switch(SwitchDef choice, string[] args, int from, string[] results)
    {
        var operands = args[1..];
        var types = Types(choice.Branches[0].Outputs);
        if (from == choice.Branches.Length - 1)
        {
            var outs = Inline(choice.Branches[from], operands);
            for (int i = 0; i < outs.Length; i++) Node("Identity", [outs[i]], results[i]);
            return;
        }
        string test = Scalar(Node("LessOrEqual", [Node("Reshape", [args[0], Int64s(new long[] { 1 })]), Int32Scalar(from)]));
        var then = Child();
        then.Outputs(then.Inline(choice.Branches[from], operands), types);
        var otherwise = Child();
        var rest = new string[results.Length];
        for (int i = 0; i < rest.Length; i++) rest[i] = otherwise.Fresh("branch");
        otherwise.Switch(choice, args, from + 1, rest);
        otherwise.Outputs(rest, types);
        Node("If", [test], results, Attr.Graph("then_branch", then.graph), Attr.Graph("else_branch", otherwise.graph));
    }

    // ---- sub-graph helpers --------------------------------------------------------------------------------------

    private OnnxGraphWriter Child()
    {
        var child = new OnnxGraphWriter(source, $"s{source.Next++}_");
        child.graph.String(GraphName, child.scope + "graph");
        return child;
    }

    /// <summary>Writes <paramref name="g"/>'s equations into this graph with its inputs bound to the given names.</summary>
    private string[] Inline(Graph g, string[] inputs)
    {
        var outer = names;
        string outerPrefix = valuePrefix;
        names = new Dictionary<int, string>();
        valuePrefix = $"{scope}i{source.Next++}_";
        try
        {
            for (int i = 0; i < inputs.Length; i++) names[g.Inputs[i].Id] = inputs[i];
            foreach (var eq in g.Equations) Emit(eq);
            var outs = new string[g.Outputs.Count];
            for (int i = 0; i < outs.Length; i++) outs[i] = Name(g.Outputs[i]);
            return outs;
        }
        finally
        {
            names = outer;
            valuePrefix = outerPrefix;
        }
    }

    private void Declare(string name, TensorType type, int? elementType = null) =>
        graph.Message(GraphInput, ValueInfo(name, type, elementType));

    /// <summary>The sub-graph's outputs, each given its own name by an Identity.</summary>
    private void Outputs(string[] values, TensorType[] types)
    {
        for (int i = 0; i < values.Length; i++)
        {
            string name = Fresh("out");
            Node("Identity", [values[i]], name);
            graph.Message(GraphOutput, ValueInfo(name, types[i]));
        }
    }

    private static TensorType[] Types(IReadOnlyList<Node> nodes)
    {
        var types = new TensorType[nodes.Count];
        for (int i = 0; i < types.Length; i++) types[i] = nodes[i].Type;
        return types;
    }

    /// <summary>A one-element bool reshaped to a scalar, the form Loop and If take their conditions in.</summary>
    private string Scalar(string value) => Node("Reshape", [value, Int64s(Array.Empty<long>())]);

    private string Int64Scalar(long value) => ScalarInitializer(DataInt64, MemoryMarshal.AsBytes(new[] { value }.AsSpan()).ToArray(), 8);

    private string Int32Scalar(int value) => ScalarInitializer(DataInt32, MemoryMarshal.AsBytes(new[] { value }.AsSpan()).ToArray(), 4);

    private string ScalarInitializer(int dataType, byte[] bytes, int size)
    {
        string name = Fresh("k");
        var tensor = new ProtoMessage().Int32(TensorDataType, dataType).String(TensorName, name);
        tensor.Bytes(TensorRawData, LittleEndian(bytes, size));
        graph.Message(GraphInitializer, tensor);
        return name;
    }
}
