namespace Tracer.Compiler;

/// <summary>
/// Builds closed graphs (no enclosing trace) and the derived graphs control-flow rules need: the pullback and the
/// tangent map of a body, as graphs of their own.
/// </summary>
public static class SubGraphs
{
    /// <summary>A closed graph over inputs of <paramref name="types"/> whose outputs <paramref name="body"/> emits.</summary>
    public static Graph Build(IRuleSet rules, IReadOnlyList<TensorType> types, Func<Node[], IReadOnlyList<Node>> body)
    {
        var builder = new GraphBuilder(rules, null);
        using var scope = builder.Activate();
        var inputs = new Node[types.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = builder.Input(types[i]);
        return builder.Build(body(inputs));
    }

    /// <summary>The types of a graph's inputs.</summary>
    public static TensorType[] InputTypes(Graph g)
    {
        var t = new TensorType[g.Inputs.Count];
        for (int i = 0; i < t.Length; i++) t[i] = g.Inputs[i].Type;
        return t;
    }

    /// <summary>The types of a graph's outputs.</summary>
    public static TensorType[] OutputTypes(Graph g)
    {
        var t = new TensorType[g.Outputs.Count];
        for (int i = 0; i < t.Length; i++) t[i] = g.Outputs[i].Type;
        return t;
    }

    /// <summary>
    /// The pullback of <paramref name="g"/> as a graph: inputs [g's inputs..., one cotangent per output], outputs one
    /// cotangent per input (zeros for integer and bool inputs).
    /// </summary>
    public static Graph Pullback(Graph g)
    {
        var inTypes = InputTypes(g);
        var outTypes = OutputTypes(g);
        // 1. The pairing Σ ⟨out_i, ct_i⟩ as a scalar graph over [inputs, cotangents]. Outputs of different float
        //    dtypes are summed per dtype and the f32 part is widened: each output's cotangent keeps its own dtype.
        var pairing = Build(g.Rules, [.. inTypes, .. outTypes], xs =>
        {
            var outs = Replay.Inline(g, xs[..inTypes.Length]);
            Node? sum32 = null, sum64 = null;
            for (int i = 0; i < outs.Length; i++)
            {
                if (!outs[i].DType.IsFloat()) continue;
                var term = Ir.ReduceSum(outs[i] * xs[inTypes.Length + i], AllAxes(outs[i].Shape.Rank));
                if (term.DType == DType.Float64) sum64 = sum64 is null ? term : sum64 + term;
                else sum32 = sum32 is null ? term : sum32 + term;
            }
            if (sum32 is not null && sum64 is not null) return [sum64 + Ir.Cast(sum32, DType.Float64)];
            return [sum64 ?? sum32 ?? Ir.Lit(0, DType.Float32)];
        });
        // 2. Its gradient w.r.t. the float inputs; zeros for the rest.
        var wrt = new List<int>();
        for (int i = 0; i < inTypes.Length; i++)
        {
            if (inTypes[i].DType.IsFloat()) wrt.Add(i);
        }
        var grad = ReverseMode.ValueAndGrad(pairing, wrt);
        return Build(g.Rules, [.. inTypes, .. outTypes], xs =>
        {
            var outs = Replay.Inline(grad, xs);
            var result = new Node[inTypes.Length];
            int k = 1;
            for (int i = 0; i < result.Length; i++)
                result[i] = inTypes[i].DType.IsFloat() ? outs[k++] : Ir.Full(inTypes[i].Shape, 0, inTypes[i].DType);
            return result;
        });
    }

    /// <summary>
    /// The tangent map of <paramref name="g"/> as a graph: inputs [g's inputs..., one tangent per input], outputs
    /// [g's outputs..., one tangent per output].
    /// </summary>
    public static Graph Tangents(Graph g)
    {
        var inTypes = InputTypes(g);
        var withTangentInputs = Build(g.Rules, [.. inTypes, .. inTypes], xs => Replay.Inline(g, xs[..inTypes.Length]));
        return ForwardMode.Jvp(withTangentInputs, inTypes.Length);
    }

    /// <summary>The axes 0 to <paramref name="rank"/> - 1.</summary>
    public static int[] AllAxes(int rank)
    {
        var axes = new int[rank];
        for (int i = 0; i < rank; i++) axes[i] = i;
        return axes;
    }

    /// <summary>Zeros of each type (symbolic zeros made concrete where a construct needs a value).</summary>
    public static Node Zeros(TensorType t) => Ir.Full(t.Shape, 0, t.DType);
}
