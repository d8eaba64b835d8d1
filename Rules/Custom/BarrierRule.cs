using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// optimization_barrier: the identity in value and in every derivative, but the optimiser never looks through it,
/// so a recomputation started behind a barrier stays a recomputation.
/// </summary>
internal sealed class BarrierRule() : PrimitiveRule(OpCode.OptimizationBarrier)
{
    public static IEnumerable<PrimitiveRule> Create() => [new BarrierRule()];

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        if (inputs.Length != 1) throw new ArgumentException($"optimization_barrier: takes one input, got {inputs.Length}");
        return inputs[0];
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        (Array)inputs[0].Clone();

    public override Node?[] Vjp(Node output, Node cotangent) => [cotangent];

    public override Node? Jvp(Node output, Node?[] tangents) => tangents[0];

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.OptimizationBarrier(args[0]), axes[0]);
}
