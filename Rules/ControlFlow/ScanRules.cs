using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// scan: a loop with a fixed trip count over a traced body (see <see cref="ScanDef"/>). Reverse mode runs one second
/// scan backwards over the carries the forward one recorded, for the cotangents of all results at once; forward mode
/// scans the body's tangent map; batching scans the batched body.
/// </summary>
internal sealed class ScanRule() : ControlFlowRule(OpCode.Scan)
{
    public static IEnumerable<PrimitiveRule> Create() => [new ScanRule()];

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        var def = (ScanDef)attrs.Control!;
        var body = def.Body;
        if (inputs.Length != body.Inputs.Count)
            throw new ArgumentException($"scan: expects {body.Inputs.Count} inputs, got {inputs.Length}");
        for (int i = 0; i < inputs.Length; i++)
        {
            var expected = body.Inputs[i].Type;
            bool isX = i >= def.Carries && i < def.Carries + def.Xs;
            if (isX)
            {
                if (inputs[i].Shape.Rank == 0 || inputs[i].Shape[0] != def.Length || inputs[i].DType != expected.DType)
                    throw new ArgumentException($"scan: xs {i - def.Carries} is {inputs[i]} but must stack {def.Length} slices of {expected}");
            }
            else if (inputs[i] != expected)
            {
                throw new ArgumentException($"scan: input {i} is {inputs[i]} but the body was traced for {expected}");
            }
        }
        return def.ResultType(attrs.Index);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var def = (ScanDef)attrs.Control!;
        return def.Run(inputs.ToArray(), (g, a) => Interpreter.Run(g.Rules, g, a))[attrs.Index];
    }

    public override Node?[] VjpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] cotangents)
    {
        var def = (ScanDef)attrs.Control!;
        int c = def.Carries, x = def.Xs, k = def.Consts, y = def.Ys;
        var history = HistoryOf(def).Emit(OpCode.Scan, inputs);           // [carries, ys, carries before each step]
        var backward = BackwardOf(def);
        // A result without a cotangent (unused, or not a float) contributes zeros of its own type.
        Node Ct(int result) => cotangents[result] ?? SubGraphs.Zeros(def.ResultType(result));

        // Backward scan inputs: carries [ct carries, ct consts accumulator], xs [carry history, xs, ct ys], consts.
        var args = new List<Node>();
        for (int i = 0; i < c; i++) args.Add(Ct(i));
        for (int i = 0; i < k; i++) args.Add(SubGraphs.Zeros(inputs[c + x + i].Type));
        for (int i = 0; i < c; i++) args.Add(history[c + y + i]);
        for (int i = 0; i < x; i++) args.Add(inputs[c + i]);
        for (int j = 0; j < y; j++) args.Add(Ct(c + j));
        for (int i = 0; i < k; i++) args.Add(inputs[c + x + i]);
        var results = backward.Emit(OpCode.Scan, args);                    // [ct init, ct consts, ct xs]

        var cts = new Node?[inputs.Count];
        for (int i = 0; i < c; i++) cts[i] = results[i];
        for (int i = 0; i < x; i++) cts[c + i] = results[c + k + i];
        for (int i = 0; i < k; i++) cts[c + x + i] = results[c + i];
        return cts;
    }

    /// <summary>The same scan that also stacks the carry entering each step (what the backward scan needs).</summary>
    private static ScanDef HistoryOf(ScanDef def)
    {
        if (def.WithHistory is ScanDef cached) return cached;
        var body = def.Body;
        var g = SubGraphs.Build(body.Rules, SubGraphs.InputTypes(body), xs =>
        {
            var outs = Replay.Inline(body, xs);
            return [.. outs, .. xs[..def.Carries]];
        });
        var result = new ScanDef(g, def.Carries, def.Xs, def.Consts, def.Length, def.Reverse);
        def.WithHistory = result;
        return result;
    }

    /// <summary>The backward scan: it walks the steps in the opposite order, applying the body's pullback.</summary>
    private static ScanDef BackwardOf(ScanDef def)
    {
        if (def.Backward is ScanDef cached) return cached;
        int c = def.Carries, x = def.Xs, k = def.Consts, y = def.Ys;
        var body = def.Body;
        var pullback = SubGraphs.Pullback(body);   // [c, x, k, ct c', ct y] -> [ct c, ct x, ct k]
        var inTypes = SubGraphs.InputTypes(body);
        var outTypes = SubGraphs.OutputTypes(body);
        // Body inputs: [ct carry (c), consts accumulator (k), carry (c), x (x), ct y (y), consts (k)].
        TensorType[] types = [.. outTypes[..c], .. inTypes[(c + x)..], .. inTypes[..c], .. inTypes[c..(c + x)], .. outTypes[c..], .. inTypes[(c + x)..]];
        var g = SubGraphs.Build(body.Rules, types, v =>
        {
            var ctCarry = v[..c];
            var acc = v[c..(c + k)];
            var carry = v[(c + k)..(2 * c + k)];
            var xsT = v[(2 * c + k)..(2 * c + k + x)];
            var ctY = v[(2 * c + k + x)..(2 * c + k + x + y)];
            var consts = v[(2 * c + k + x + y)..];
            var cts = Replay.Inline(pullback, [.. carry, .. xsT, .. consts, .. ctCarry, .. ctY]);
            var outputs = new List<Node>(cts[..c]);
            for (int i = 0; i < k; i++) outputs.Add(acc[i].DType.IsFloat() ? acc[i] + cts[c + x + i] : acc[i]);
            outputs.AddRange(cts[c..(c + x)]);
            return outputs;
        });
        var result = new ScanDef(g, c + k, c + x + y, k, def.Length, !def.Reverse);
        def.Backward = result;
        return result;
    }

    public override (Node[] Primals, Node?[] Tangents) JvpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] tangents)
    {
        var def = (ScanDef)attrs.Control!;
        int c = def.Carries, x = def.Xs, k = def.Consts, y = def.Ys;
        var forward = ForwardOf(def);
        Node T(int i) => tangents[i] ?? SubGraphs.Zeros(inputs[i].Type);
        var args = new List<Node>();
        for (int i = 0; i < c; i++) args.Add(inputs[i]);
        for (int i = 0; i < c; i++) args.Add(T(i));
        for (int i = 0; i < x; i++) args.Add(inputs[c + i]);
        for (int i = 0; i < x; i++) args.Add(T(c + i));
        for (int i = 0; i < k; i++) args.Add(inputs[c + x + i]);
        for (int i = 0; i < k; i++) args.Add(T(c + x + i));
        var results = forward.Emit(OpCode.Scan, args);                   // [c, tc, ys, tys]
        var primals = new Node[c + y];
        var resultTangents = new Node?[c + y];
        for (int i = 0; i < c; i++) (primals[i], resultTangents[i]) = (results[i], results[c + i]);
        for (int j = 0; j < y; j++) (primals[c + j], resultTangents[c + j]) = (results[2 * c + j], results[2 * c + y + j]);
        for (int r = 0; r < c + y; r++)
        {
            if (!primals[r].DType.IsFloat()) resultTangents[r] = null;
        }
        return (primals, resultTangents);
    }

    /// <summary>The scan of the body's tangent map: carries [c, tc], xs [x, tx], consts [k, tk].</summary>
    private static ScanDef ForwardOf(ScanDef def)
    {
        if (def.Forward is ScanDef cached) return cached;
        int c = def.Carries, x = def.Xs, k = def.Consts, y = def.Ys;
        var body = def.Body;
        var tangents = SubGraphs.Tangents(body);   // [c, x, k, tc, tx, tk] -> [c', y, tc', ty]
        var t = SubGraphs.InputTypes(body);
        TensorType[] types = [.. t[..c], .. t[..c], .. t[c..(c + x)], .. t[c..(c + x)], .. t[(c + x)..], .. t[(c + x)..]];
        var g = SubGraphs.Build(body.Rules, types, v =>
        {
            Node[] carry = v[..c], tc = v[c..(2 * c)], xs = v[(2 * c)..(2 * c + x)], tx = v[(2 * c + x)..(2 * c + 2 * x)];
            Node[] consts = v[(2 * c + 2 * x)..(2 * c + 2 * x + k)], tk = v[(2 * c + 2 * x + k)..];
            var o = Replay.Inline(tangents, [.. carry, .. xs, .. consts, .. tc, .. tx, .. tk]);
            return [.. o[..c], .. o[(c + y)..(2 * c + y)], .. o[c..(c + y)], .. o[(2 * c + y)..]];
        });
        var result = new ScanDef(g, 2 * c, 2 * x, 2 * k, def.Length, def.Reverse);
        def.Forward = result;
        return result;
    }

    public override (Node[] Outputs, int[] Axes) BatchAll(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var def = (ScanDef)attrs.Control!;
        int c = def.Carries, x = def.Xs;
        // Carries and xs are all batched (a carry may pick the batch up from xs); consts keep their own axes.
        var inAxes = new int[args.Length];
        var inputs = new Node[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (i < c)
            {
                inputs[i] = Batching.MoveBatchAxis(args[i], axes[i], 0, batchSize);
                inAxes[i] = 0;
            }
            else if (i < c + x)
            {
                inputs[i] = Batching.MoveBatchAxis(args[i], axes[i], 1, batchSize);   // [length, batch, ...]
                inAxes[i] = 0;
            }
            else
            {
                inputs[i] = args[i];
                inAxes[i] = axes[i];
            }
        }
        var outAxes = new int[def.Body.Outputs.Count];
        var body = Batching.Vmap(def.Body, inAxes, outAxes, batchSize);
        var batched = new ScanDef(body, c, x, def.Consts, def.Length, def.Reverse);
        var results = batched.Emit(OpCode.Scan, inputs);
        var resultAxes = new int[results.Length];
        for (int r = c; r < results.Length; r++) resultAxes[r] = 1;   // stacked ys: [length, batch, ...]
        return (results, resultAxes);
    }
}
