using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Traces a user function (a loop body, a branch) into a closed graph: its inputs are the given types followed by
/// one input per value of enclosing traces it uses, which the caller passes as the construct's consts.
/// </summary>
internal static class SubTrace
{
    public sealed record Result<R>(Graph Graph, Node[] Captured, R Template, TensorType[] OutputTypes);

    public static Result<R> Run<R>(string what, TensorType[] inputTypes, Func<Tensor[], R> f)
    {
        var outer = GraphBuilder.Current ?? throw new InvalidOperationException($"{what}: no trace is active");
        var builder = new GraphBuilder(Dispatch.Rules, outer);
        R template;
        var outputs = new List<Tensor>();
        using (builder.Activate())
        {
            try
            {
                var args = new Tensor[inputTypes.Length];
                for (int i = 0; i < args.Length; i++) args[i] = new Tensor(builder.Input(inputTypes[i]));
                template = f(args);
                TreeAdapter<R>.Instance.Flatten(template, outputs, null);
            }
            catch
            {
                builder.Abandon();
                throw;
            }
        }
        var nodes = new Node[outputs.Count];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = Dispatch.ToNode(outputs[i], builder);
        var graph = LiftCaptures.Run(builder.Build(nodes), out var captured);
        var types = new TensorType[nodes.Length];
        for (int i = 0; i < types.Length; i++) types[i] = nodes[i].Type;
        return new Result<R>(graph, captured, template, types);
    }

    /// <summary>
    /// Re-wraps <paramref name="graph"/> (inputs [declared, its own captures]) to take [declared, all captures] where
    /// all captures is the union over several sub-traces (branches of one switch).
    /// </summary>
    public static Graph Widen(Graph graph, int declared, Node[] own, List<Node> union)
    {
        var types = new TensorType[declared + union.Count];
        for (int i = 0; i < declared; i++) types[i] = graph.Inputs[i].Type;
        for (int i = 0; i < union.Count; i++) types[declared + i] = union[i].Type;
        return SubGraphs.Build(graph.Rules, types, v =>
        {
            var args = new Node[declared + own.Length];
            for (int i = 0; i < declared; i++) args[i] = v[i];
            for (int i = 0; i < own.Length; i++) args[declared + i] = v[declared + union.IndexOf(own[i])];
            return Replay.Inline(graph, args);
        });
    }

    public static TensorType[] Types(Tensor[] xs) => Array.ConvertAll(xs, x => x.Type);

    public static Tensor[] Wrap(Node[] nodes) => Array.ConvertAll(nodes, n => new Tensor(n));
}
