using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// The rule of user-defined operations (<see cref="OpCode.Custom"/>): the type, the reference implementation and the
/// pullback all come from the operation's traced definition (<see cref="CustomCall"/>).
/// </summary>
internal sealed class CustomRule() : PrimitiveRule(OpCode.Custom)
{
    public static IEnumerable<PrimitiveRule> Create() => [new CustomRule()];

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        var call = attrs.Custom ?? throw new ArgumentException("custom_vjp_call: missing definition");
        var joint = call.Joint;
        if (inputs.Length + 1 != joint.Inputs.Count)
            throw new ArgumentException($"{call.Name}: expects {joint.Inputs.Count - 1} inputs, got {inputs.Length}");
        for (int i = 0; i < inputs.Length; i++)
        {
            var expected = joint.Inputs[i < call.ArgumentCount ? i : i + 1].Type;
            if (inputs[i] != expected)
                throw new ArgumentException($"{call.Name}: input {i} is {inputs[i]} but the operation was traced for {expected}");
        }
        return call.OutputType;
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var call = attrs.Custom!;
        var args = new Array[inputs.Length + 1];
        for (int i = 0; i < call.ArgumentCount; i++) args[i] = inputs[i];
        args[call.ArgumentCount] = output.DType.NewArray(output.Shape.Size);
        for (int i = call.ArgumentCount; i < inputs.Length; i++) args[i + 1] = inputs[i];
        return Interpreter.Run(call.Joint.Rules, call.Joint.WithOutputs(0, 1), args)[0];
    }

    public override Node?[] Vjp(Node output, Node cotangent) => output.Attrs.Custom!.EmitPullback(output.Inputs, cotangent);

    /// <summary>
    /// Forward mode from the pullback alone: the pullback u ↦ Jᵀu is linear, so the gradient with respect to u of
    /// Σᵢ ⟨pullbackᵢ(u), tᵢ⟩ is J·t. The gradient is taken of a small traced graph and inlined at u = 0.
    /// </summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        var call = output.Attrs.Custom!;
        if (!call.IsDifferentiable) return null;
        var outer = Ir.B;
        var builder = new GraphBuilder(outer.Rules, outer);
        Graph pairing;
        using (builder.Activate())
        {
            var u = builder.Input(output.Type);
            var dxs = call.EmitPullback(output.Inputs, u);
            Node? sum = null;
            for (int i = 0; i < call.ArgumentCount; i++)
            {
                if (tangents[i] is not { } t || dxs[i] is not { } dx) continue;
                var term = Ir.ReduceSum(dx * t, AllAxes(dx.Shape.Rank));
                sum = sum is null ? term : sum + term;
            }
            if (sum is null)
            {
                builder.Abandon();
                return null;
            }
            pairing = builder.Build([sum]);
        }
        var jt = ReverseMode.ValueAndGrad(pairing, [0]).WithOutputs(1, 1);
        return Replay.Inline(jt, [Ir.ZerosLike(output)])[0];
    }

    /// <summary>
    /// Batches the definition itself, so the batched operation is again a custom call with its own pullback. Every
    /// argument is brought to batch axis 0 (unbatched ones are broadcast; the broadcast's own rule sums their
    /// cotangents back); captured values stay unbatched.
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var call = attrs.Custom!;
        var jointAxes = new int[args.Length + 1];
        var inputs = new Node[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            bool argument = i < call.ArgumentCount;
            inputs[i] = argument ? Batching.MoveBatchAxis(args[i], axes[i], 0, batchSize) : args[i];
            if (!argument && axes[i] >= 0)
                throw new NotSupportedException($"{call.Name}: a value the rule closes over cannot be batched; pass it as an argument");
            jointAxes[argument ? i : i + 1] = argument ? 0 : -1;
        }
        jointAxes[call.ArgumentCount] = 0;
        var outAxes = new int[call.Joint.Outputs.Count];
        var batched = Batching.Vmap(call.Joint, jointAxes, outAxes, batchSize);
        var batchedCall = new CustomCall(call.Name, batched, call.ArgumentCount, call.IsDifferentiable);
        return (Ir.B.Emit(OpCode.Custom, new Attrs { Custom = batchedCall }, inputs), 0);
    }

    private static int[] AllAxes(int rank)
    {
        var axes = new int[rank];
        for (int i = 0; i < rank; i++) axes[i] = i;
        return axes;
    }
}
