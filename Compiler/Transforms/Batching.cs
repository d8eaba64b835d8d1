namespace Tracer.Compiler;

/// <summary>
/// Vectorisation (vmap) as a graph transform: each equation with a batched operand calls its primitive's batching
/// rule, which emits one computation over the whole batch (no loop). Unbatched values stay unbatched.
/// </summary>
public static class Batching
{
    /// <summary>
    /// A graph over batched inputs: input i gains an axis of size <paramref name="batchSize"/> at
    /// <paramref name="inAxes"/>[i] (-1: not batched). Output j carries the batch at <paramref name="outAxes"/>[j]
    /// (an output that does not depend on a batched input is broadcast along it).
    /// </summary>
    public static Graph Vmap(Graph graph, int[] inAxes, int[] outAxes, int batchSize)
    {
        if (inAxes.Length != graph.Inputs.Count)
            throw new ArgumentException($"vmap: {inAxes.Length} input axes for {graph.Inputs.Count} inputs");
        if (outAxes.Length != graph.Outputs.Count)
            throw new ArgumentException($"vmap: {outAxes.Length} output axes for {graph.Outputs.Count} outputs");
        var builder = new GraphBuilder(graph.Rules, graph.Parent);
        using var scope = builder.Activate();
        var map = new Node[graph.IdCount];
        var axes = new int[graph.IdCount];
        Array.Fill(axes, -1);
        for (int i = 0; i < inAxes.Length; i++)
        {
            var x = graph.InputArray[i];
            int axis = inAxes[i];
            if (axis < -1 || axis > x.Shape.Rank)
                throw new ArgumentException($"vmap: axis {axis} is out of range for input {i} of per-example type {x.Type}");
            map[x.Id] = builder.Input(axis < 0 ? x.Type : new TensorType(InsertAxis(x.Shape, axis, batchSize), x.DType));
            axes[x.Id] = axis;
        }
        foreach (var c in graph.CaptureArray) map[c.Inner.Id] = builder.Resolve(c.Outer);

        var siblings = Siblings.Of(graph);
        foreach (var eq in graph.EquationArray)
        {
            if (map[eq.Id] is not null) continue;   // a result of a construct already batched with its siblings
            if (eq.Op is OpCode.Literal or OpCode.Constant)
            {
                map[eq.Id] = Replay.Copy(eq, map);
                continue;
            }
            var args = new Node[eq.InputArray.Length];
            var argAxes = new int[args.Length];
            bool batched = false;
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = map[eq.InputArray[i].Id];
                argAxes[i] = axes[eq.InputArray[i].Id];
                batched |= argAxes[i] >= 0;
            }
            if (!batched)
            {
                map[eq.Id] = builder.Emit(eq.Op, eq.Attrs, args);
                continue;
            }
            var rule = graph.Rules.Get(eq.Op);
            if (rule is ControlFlowRule flow && siblings[eq.Id] is { } group)
            {
                // One batched construct for every result of the construct.
                var (results, resultAxes) = flow.BatchAll(eq.Attrs, args, argAxes, batchSize);
                foreach (var member in group) Bind(member, results[member.Attrs.Index], resultAxes[member.Attrs.Index], map, axes, batchSize);
                continue;
            }
            var (output, axis) = rule.Batch(eq.Attrs, args, argAxes, batchSize);
            Bind(eq, output, axis, map, axes, batchSize);
        }

        var outputs = new Node[graph.Outputs.Count];
        for (int j = 0; j < outputs.Length; j++)
        {
            var o = graph.OutputArray[j];
            outputs[j] = MoveBatchAxis(map[o.Id], axes[o.Id], outAxes[j], batchSize);
        }
        return builder.Build(outputs);
    }

    private static void Bind(Node eq, Node output, int axis, Node[] map, int[] axes, int batchSize)
    {
        var expected = InsertAxis(eq.Shape, axis, batchSize);
        if (output.Shape != expected || output.DType != eq.DType)
        {
            throw new InvalidOperationException(
                $"{eq.Op.Name()}: batching rule returned {output.Type} with batch axis {axis}; expected {eq.DType.ShortName()}{expected}");
        }
        map[eq.Id] = output;
        axes[eq.Id] = axis;
    }

    /// <summary>Moves the batch axis from <paramref name="from"/> (-1: unbatched, so broadcast) to <paramref name="to"/>.</summary>
    public static Node MoveBatchAxis(Node x, int from, int to, int batchSize)
    {
        if (from < 0)
        {
            var expanded = Ir.Reshape(x, InsertAxis(x.Shape, to, 1));
            return Ir.Broadcast(expanded, InsertAxis(x.Shape, to, batchSize));
        }
        if (from == to) return x;
        var order = new List<int>();
        for (int i = 0; i < x.Shape.Rank; i++)
        {
            if (i != from) order.Add(i);
        }
        order.Insert(to, from);
        return Ir.Transpose(x, order.ToArray());
    }

    /// <summary>The shape with a new axis of <paramref name="size"/> at <paramref name="axis"/>.</summary>
    public static Shape InsertAxis(Shape s, int axis, int size)
    {
        var dims = new List<int>(s.ToArray());
        dims.Insert(axis, size);
        return new Shape(dims.ToArray());
    }
}
