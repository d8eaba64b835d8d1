using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// switch: runs one of several traced branches, chosen by an i32 index (clamped into range, as XLA does). Every
/// derivative is again a switch over the branches' derivatives; a batched index evaluates every branch and selects.
/// </summary>
internal sealed class SwitchRule() : ControlFlowRule(OpCode.Switch)
{
    public static IEnumerable<PrimitiveRule> Create() => [new SwitchRule()];

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        var def = (SwitchDef)attrs.Control!;
        if (inputs.Length == 0 || inputs[0].DType != DType.Int32 || inputs[0].Shape.Size != 1)
            throw new ArgumentException($"switch: the index must be one i32 element, got {(inputs.Length == 0 ? "nothing" : inputs[0].ToString())}");
        var branch = def.Branches[0];
        if (inputs.Length - 1 != branch.Inputs.Count)
            throw new ArgumentException($"switch: expects {branch.Inputs.Count} operands, got {inputs.Length - 1}");
        for (int i = 1; i < inputs.Length; i++)
        {
            if (inputs[i] != branch.Inputs[i - 1].Type)
                throw new ArgumentException($"switch: operand {i - 1} is {inputs[i]} but the branches were traced for {branch.Inputs[i - 1].Type}");
        }
        return def.ResultType(attrs.Index);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        attrs.Control!.Run(inputs.ToArray(), (g, a) => Interpreter.Run(g.Rules, g, a))[attrs.Index];

    public override Node?[] VjpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] cotangents)
    {
        var def = (SwitchDef)attrs.Control!;
        var backward = (SwitchDef)(def.Backward ??= new SwitchDef(Array.ConvertAll(def.Branches, SubGraphs.Pullback)));
        var args = new List<Node>(inputs);
        for (int j = 0; j < def.ResultCount; j++) args.Add(cotangents[j] ?? SubGraphs.Zeros(def.ResultType(j)));
        var cts = backward.Emit(OpCode.Switch, args);
        var result = new Node?[inputs.Count];
        for (int i = 1; i < inputs.Count; i++) result[i] = cts[i - 1];
        return result;
    }

    public override (Node[] Primals, Node?[] Tangents) JvpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] tangents)
    {
        var def = (SwitchDef)attrs.Control!;
        var forward = (SwitchDef)(def.Forward ??= new SwitchDef(Array.ConvertAll(def.Branches, SubGraphs.Tangents)));
        var args = new List<Node>(inputs);
        for (int i = 1; i < inputs.Count; i++) args.Add(tangents[i] ?? SubGraphs.Zeros(inputs[i].Type));
        var results = forward.Emit(OpCode.Switch, args);                 // [results, result tangents]
        int n = def.ResultCount;
        var resultTangents = new Node?[n];
        for (int j = 0; j < n; j++) resultTangents[j] = results[j].DType.IsFloat() ? results[n + j] : null;
        return (results[..n], resultTangents);
    }

    public override (Node[] Outputs, int[] Axes) BatchAll(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var def = (SwitchDef)attrs.Control!;
        var operands = args[1..];
        var operandAxes = axes[1..];
        var outAxes = new int[def.ResultCount];
        var branches = Array.ConvertAll(def.Branches, b => Batching.Vmap(b, operandAxes, outAxes, batchSize));
        if (axes[0] < 0)
        {
            var batched = new SwitchDef(branches);
            return (batched.Emit(OpCode.Switch, [args[0], .. operands]), outAxes);
        }
        // A different branch per example: evaluate them all, then pick per example.
        var index = Batching.MoveBatchAxis(args[0], axes[0], 0, batchSize);
        index = Ir.Reshape(index, new Shape(batchSize));
        index = Ir.Max(Ir.Min(index, Ir.Lit(def.Branches.Length - 1, DType.Int32)), Ir.Lit(0, DType.Int32));
        var results = Replay.Inline(branches[0], operands);
        for (int b = 1; b < branches.Length; b++)
        {
            var values = Replay.Inline(branches[b], operands);
            for (int j = 0; j < results.Length; j++)
            {
                var dims = new int[values[j].Shape.Rank];
                Array.Fill(dims, 1);
                dims[0] = batchSize;
                var pick = Ir.Reshape(Ir.Eq(index, Ir.Lit(b, DType.Int32)), new Shape(dims));
                results[j] = Ir.Select(pick, values[j], results[j]);
            }
        }
        return (results, outAxes);
    }
}
