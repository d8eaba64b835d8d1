using static Tracer.Ops;

namespace Tracer.Training;

/// <summary>
/// AdaGrad (Duchi et al. 2011; torch's <c>Adagrad</c>): <c>s += g^2; p -= learningRate * g / (sqrt(s) + epsilon)</c>.
/// </summary>
public sealed class AdaGrad(double learningRate = 1e-2, double epsilon = 1e-10) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    private protected override int SlotCount => 1;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, s) =>
        {
            s[0] = s[0] + Square(gi);
            return gi * LearningRate / (Sqrt(s[0]) + Epsilon);
        });
}

/// <summary>
/// AdaDelta (Zeiler 2012; torch's <c>Adadelta</c>): <c>s = decay s + (1-decay) g^2</c>,
/// <c>d = sqrt(a + epsilon) / sqrt(s + epsilon) * g</c>, <c>a = decay a + (1-decay) d^2</c>, <c>p -= learningRate * d</c>.
/// </summary>
public sealed class AdaDelta(double learningRate = 1.0, double decay = 0.9, double epsilon = 1e-6) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>The moving-average factor of the squared gradients and updates.</summary>
    public double Decay { get; } = decay;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    private protected override int SlotCount => 2;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, s) =>
        {
            s[0] = s[0] * Decay + Square(gi) * (1 - Decay);
            var d = Sqrt(s[1] + Epsilon) / Sqrt(s[0] + Epsilon) * gi;
            s[1] = s[1] * Decay + Square(d) * (1 - Decay);
            return d * LearningRate;
        });
}

/// <summary>
/// RMSProp (Hinton's lecture 6e; torch's <c>RMSprop</c>, epsilon outside the square root):
/// <c>s = decay s + (1-decay) g^2</c>, <c>p -= learningRate * g / (sqrt(s) + epsilon)</c>; with
/// <c>momentum &gt; 0</c>: <c>b = momentum b + g / (sqrt(s) + epsilon)</c>, <c>p -= learningRate * b</c>.
/// </summary>
public sealed class RMSProp(double learningRate = 1e-2, double decay = 0.99, double epsilon = 1e-8, double momentum = 0) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>The moving-average factor of the squared gradients.</summary>
    public double Decay { get; } = decay;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>The momentum factor (0: none).</summary>
    public double Momentum { get; } = momentum;

    private protected override int SlotCount => Momentum == 0 ? 1 : 2;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, s) =>
        {
            s[0] = s[0] * Decay + Square(gi) * (1 - Decay);
            var scaled = gi / (Sqrt(s[0]) + Epsilon);
            if (Momentum == 0) return scaled * LearningRate;
            s[1] = s[1] * Momentum + scaled;
            return s[1] * LearningRate;
        });
}

/// <summary>
/// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", algorithm 2):
/// <c>c = beta1 m + (1-beta1) g</c>, <c>p -= learningRate * (sign(c) + weightDecay * p)</c>,
/// <c>m = beta2 m + (1-beta2) g</c>. Defaults are the paper's.
/// </summary>
public sealed class Lion(double learningRate = 1e-4, double beta1 = 0.9, double beta2 = 0.99, double weightDecay = 0) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Interpolation factor of the update direction.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the momentum.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Decoupled weight decay, scaled by the learning rate.</summary>
    public double WeightDecay { get; } = weightDecay;

    private protected override int SlotCount => 1;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (pi, gi, s) =>
        {
            var c = s[0] * Beta1 + gi * (1 - Beta1);
            s[0] = s[0] * Beta2 + gi * (1 - Beta2);
            var delta = Sign(c) * LearningRate;
            return WeightDecay == 0 ? delta : delta + pi * (LearningRate * WeightDecay);
        });
}
