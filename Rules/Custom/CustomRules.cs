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
}
