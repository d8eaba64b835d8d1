using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// while: a loop whose trip count depends on values (see <see cref="WhileDef"/>). Forward mode loops over the body's
/// tangent map; reverse mode is refused, as in JAX, because the backward pass would need every iteration's carry and
/// the count is unknown when tracing.
/// </summary>
internal sealed class WhileRule() : ControlFlowRule(OpCode.While)
{
    public static IEnumerable<PrimitiveRule> Create() => [new WhileRule()];

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        var def = (WhileDef)attrs.Control!;
        if (inputs.Length != def.Body.Inputs.Count)
            throw new ArgumentException($"while: expects {def.Body.Inputs.Count} inputs, got {inputs.Length}");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] != def.Body.Inputs[i].Type)
                throw new ArgumentException($"while: input {i} is {inputs[i]} but the loop was traced for {def.Body.Inputs[i].Type}");
        }
        return def.ResultType(attrs.Index);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        attrs.Control!.Run(inputs.ToArray(), (g, a) => Interpreter.Run(g.Rules, g, a))[attrs.Index];

    public override Node?[] VjpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] cotangents) => throw new NotSupportedException(
        "WhileLoop: reverse-mode differentiation is not supported (as in JAX): the number of iterations is only known " +
        "when the loop runs. Use ForLoop or Scan, whose trip count is fixed, or forward mode (Jit.Jvp, Jit.Jacobian). See docs/sharp-bits.md.");

    public override (Node[] Primals, Node?[] Tangents) JvpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] tangents)
    {
        var def = (WhileDef)attrs.Control!;
        int c = def.Carries, k = def.Consts;
        var forward = (WhileDef)(def.Forward ??= ForwardOf(def));
        Node T(int i) => tangents[i] ?? SubGraphs.Zeros(inputs[i].Type);
        var args = new List<Node>();
        for (int i = 0; i < c; i++) args.Add(inputs[i]);
        for (int i = 0; i < c; i++) args.Add(T(i));
        for (int i = 0; i < k; i++) args.Add(inputs[c + i]);
        for (int i = 0; i < k; i++) args.Add(T(c + i));
        var results = forward.Emit(OpCode.While, args);                   // [carries, carry tangents]
        var resultTangents = new Node?[c];
        for (int i = 0; i < c; i++) resultTangents[i] = results[i].DType.IsFloat() ? results[c + i] : null;
        return (results[..c], resultTangents);
    }

    /// <summary>The loop over [carries, carry tangents] with consts [consts, const tangents].</summary>
    private static WhileDef ForwardOf(WhileDef def)
    {
        int c = def.Carries, k = def.Consts;
        var tangents = SubGraphs.Tangents(def.Body);   // [c, k, tc, tk] -> [c', tc']
        var t = SubGraphs.InputTypes(def.Body);
        TensorType[] types = [.. t[..c], .. t[..c], .. t[c..], .. t[c..]];
        var cond = SubGraphs.Build(def.Cond.Rules, types, v => Replay.Inline(def.Cond, [.. v[..c], .. v[(2 * c)..(2 * c + k)]]));
        var body = SubGraphs.Build(def.Body.Rules, types, v =>
            Replay.Inline(tangents, [.. v[..c], .. v[(2 * c)..(2 * c + k)], .. v[c..(2 * c)], .. v[(2 * c + k)..]]));
        return new WhileDef(cond, body, 2 * c, 2 * k);
    }

    /// <summary>
    /// Batched loop: runs while any example's condition holds; examples that are done keep their carry (a select on
    /// their own condition), so every example sees exactly its own number of iterations.
    /// </summary>
    public override (Node[] Outputs, int[] Axes) BatchAll(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var def = (WhileDef)attrs.Control!;
        int c = def.Carries;
        var inputs = new Node[args.Length];
        var inAxes = new int[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            inputs[i] = i < c ? Batching.MoveBatchAxis(args[i], axes[i], 0, batchSize) : args[i];
            inAxes[i] = i < c ? 0 : axes[i];
        }
        var cond = Batching.Vmap(def.Cond, inAxes, [0], batchSize);                   // bool [batch]
        var body = Batching.Vmap(def.Body, inAxes, new int[c], batchSize);
        var types = new TensorType[args.Length];
        for (int i = 0; i < types.Length; i++) types[i] = cond.Inputs[i].Type;
        var anyCond = SubGraphs.Build(def.Cond.Rules, types, v =>
        {
            var live = Ir.Cast(Replay.Inline(cond, v)[0], DType.Int32);
            return [Ir.Gt(Ir.ReduceMax(live, 0), Ir.Lit(0, DType.Int32))];
        });
        var maskedBody = SubGraphs.Build(def.Body.Rules, types, v =>
        {
            var live = Replay.Inline(cond, v)[0];
            var next = Replay.Inline(body, v);
            var result = new Node[c];
            for (int i = 0; i < c; i++)
            {
                var mask = Ir.Reshape(live, KeepBatch(next[i].Shape, batchSize));
                result[i] = Ir.Select(mask, next[i], v[i]);
            }
            return result;
        });
        var batched = new WhileDef(anyCond, maskedBody, c, def.Consts);
        return (batched.Emit(OpCode.While, inputs), new int[c]);
    }

    private static Shape KeepBatch(Shape s, int batchSize)
    {
        var dims = new int[s.Rank];
        Array.Fill(dims, 1);
        dims[0] = batchSize;
        return new Shape(dims);
    }
}
