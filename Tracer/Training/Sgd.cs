namespace Tracer.Training;

/// <summary>Plain gradient descent (torch's <c>SGD</c>): <c>p -= learningRate * g</c>.</summary>
public sealed class Descent(double learningRate = 0.1) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    private protected override int SlotCount => 0;

    private protected override Tensor[] Deltas(Tensor step, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, _) => gi * LearningRate);
}

/// <summary>
/// Heavy-ball momentum (torch's <c>SGD(momentum=...)</c> without dampening):
/// <c>v = momentum * v + g; p -= learningRate * v</c>.
/// </summary>
public sealed class Momentum(double learningRate = 0.01, double momentum = 0.9) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>The velocity decay: v = momentum * v + g.</summary>
    public double MomentumFactor { get; } = momentum;

    private protected override int SlotCount => 1;

    private protected override Tensor[] Deltas(Tensor step, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, s) =>
        {
            s[0] = s[0] * MomentumFactor + gi;
            return s[0] * LearningRate;
        });
}

/// <summary>
/// Nesterov momentum (torch's <c>SGD(momentum=..., nesterov=True)</c>):
/// <c>v = momentum * v + g; p -= learningRate * (g + momentum * v)</c>.
/// </summary>
public sealed class Nesterov(double learningRate = 0.001, double momentum = 0.9) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>The velocity decay of the Nesterov update.</summary>
    public double MomentumFactor { get; } = momentum;

    private protected override int SlotCount => 1;

    private protected override Tensor[] Deltas(Tensor step, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, s) =>
        {
            s[0] = s[0] * MomentumFactor + gi;
            return (gi + s[0] * MomentumFactor) * LearningRate;
        });
}
