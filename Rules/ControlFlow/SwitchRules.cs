using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// switch: runs one of several traced branches, chosen by an i32 index (clamped into range, as XLA does). Every
/// derivative is again a switch over the branches' derivatives; a batched index evaluates every branch and selects.
/// </summary>
internal sealed class SwitchRule() : PrimitiveRule(OpCode.Switch)
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

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var def = (SwitchDef)output.Attrs.Control!;
        var backward = (SwitchDef)(def.Backward ??= new SwitchDef(Array.ConvertAll(def.Branches, SubGraphs.Pullback)));
        var inputs = output.Inputs;
        var args = new List<Node>(inputs);
        for (int j = 0; j < def.ResultCount; j++)
            args.Add(j == output.Attrs.Index ? cotangent : SubGraphs.Zeros(def.ResultType(j)));
        var cts = backward.Emit(OpCode.Switch, args);
        var result = new Node?[inputs.Count];
        for (int i = 1; i < inputs.Count; i++) result[i] = cts[i - 1];
        return result;
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        var def = (SwitchDef)output.Attrs.Control!;
        if (!output.DType.IsFloat()) return null;
        var forward = (SwitchDef)(def.Forward ??= new SwitchDef(Array.ConvertAll(def.Branches, SubGraphs.Tangents)));
        var inputs = output.Inputs;
        var args = new List<Node>(inputs);
        for (int i = 1; i < inputs.Count; i++) args.Add(tangents[i] ?? SubGraphs.Zeros(inputs[i].Type));
        return forward.Emit(OpCode.Switch, args)[def.ResultCount + output.Attrs.Index];
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var def = (SwitchDef)attrs.Control!;
        var operands = args[1..];
        var operandAxes = axes[1..];
        var outAxes = new int[def.ResultCount];
        var branches = Array.ConvertAll(def.Branches, b => Batching.Vmap(b, operandAxes, outAxes, batchSize));
        if (axes[0] < 0)
        {
            var batched = new SwitchDef(branches);
            return (batched.Emit(OpCode.Switch, [args[0], .. operands])[attrs.Index], 0);
        }
        // A different branch per example: evaluate them all, then pick per example.
        var index = Batching.MoveBatchAxis(args[0], axes[0], 0, batchSize);
        index = Ir.Reshape(index, new Shape(batchSize));
        index = Ir.Max(Ir.Min(index, Ir.Lit(def.Branches.Length - 1, DType.Int32)), Ir.Lit(0, DType.Int32));
        Node? result = null;
        for (int b = 0; b < branches.Length; b++)
        {
            var value = Replay.Inline(branches[b], operands)[attrs.Index];
            if (result is null)
            {
                result = value;
                continue;
            }
            var dims = new int[value.Shape.Rank];
            Array.Fill(dims, 1);
            dims[0] = batchSize;
            var pick = Ir.Reshape(Ir.Eq(index, Ir.Lit(b, DType.Int32)), new Shape(dims));
            result = Ir.Select(pick, value, result);
        }
        return (result!, 0);
    }
}
