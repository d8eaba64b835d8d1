namespace Tracer.Compiler;

/// <summary>
/// A user-defined operation (ChainRules-style rrule): one traced <see cref="Joint"/> graph computing the output
/// and, from a cotangent, the cotangent of each differentiable argument. The equation that calls it has inputs
/// <c>[arguments..., captured values...]</c>; the joint graph has inputs
/// <c>[arguments..., cotangent, captured values...]</c> and outputs <c>[output, d argument...]</c>.
/// Values the definition closes over (captures) receive no gradient, as with ChainRules closures.
/// </summary>
public sealed class CustomCall
{
    /// <summary>A custom operation named <paramref name="name"/> defined by its joint forward-and-pullback graph.</summary>
    public CustomCall(string name, Graph joint, int argumentCount, bool differentiable)
    {
        if (joint.Captures.Count > 0) throw new ArgumentException("the joint graph must have its captures lifted to inputs");
        Name = name;
        Joint = joint;
        ArgumentCount = argumentCount;
        IsDifferentiable = differentiable;
    }

    /// <summary>The name given to <c>Rule.Define</c>, shown in printed graphs.</summary>
    public string Name { get; }

    /// <summary>The forward computation and its pullback in one graph (see the class remarks for its layout).</summary>
    public Graph Joint { get; }

    /// <summary>The number of differentiable arguments.</summary>
    public int ArgumentCount { get; }

    /// <summary>False for operations declared non-differentiable: their inputs get no gradient.</summary>
    public bool IsDifferentiable { get; }

    /// <summary>The type of the operation's result.</summary>
    public TensorType OutputType => Joint.Outputs[0].Type;

    /// <summary>Emits the forward computation into the current trace (the pullback part is dead and dropped by DCE).</summary>
    public Node EmitForward(IReadOnlyList<Node> inputs)
    {
        var args = JointArguments(inputs, Ir.Full(OutputType.Shape, 0, OutputType.DType));
        return Replay.Inline(Joint.WithOutputs(0, 1), args)[0];
    }

    /// <summary>Emits the pullback into the current trace: one cotangent per call input (captures get none).</summary>
    public Node?[] EmitPullback(IReadOnlyList<Node> inputs, Node cotangent)
    {
        var result = new Node?[inputs.Count];
        if (!IsDifferentiable) return result;
        var outs = Replay.Inline(Joint, JointArguments(inputs, cotangent));
        for (int i = 0; i < ArgumentCount; i++) result[i] = outs[1 + i];
        return result;
    }

    private Node[] JointArguments(IReadOnlyList<Node> inputs, Node cotangent)
    {
        var args = new Node[inputs.Count + 1];
        for (int i = 0; i < ArgumentCount; i++) args[i] = inputs[i];
        args[ArgumentCount] = cotangent;
        for (int i = ArgumentCount; i < inputs.Count; i++) args[i + 1] = inputs[i];
        return args;
    }
}
