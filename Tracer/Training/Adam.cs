using static Tracer.Ops;

namespace Tracer.Training;

/// <summary>
/// Adam (Kingma and Ba 2015; torch's <c>Adam</c>): <c>m = beta1 m + (1-beta1) g</c>, <c>v = beta2 v + (1-beta2) g^2</c>,
/// <c>p -= learningRate / (1-beta1^t) * m / (sqrt(v) / sqrt(1-beta2^t) + epsilon)</c>.
/// </summary>
public sealed class Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Decay of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the second-moment estimate.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    private protected override int SlotCount => 2;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        AdamStep(t, p, g, state, out next, LearningRate, Beta1, Beta2, Epsilon, weightDecay: 0, amsgrad: false);

    /// <summary>Adam, AdamW and AMSGrad in one place (torch's <c>_single_tensor_adam</c> formulas).</summary>
    internal static Tensor[] AdamStep(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next,
        double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad)
    {
        var stepSize = lr / (1.0 - Pow(beta1, t));
        var sqrtBias2 = Sqrt(1.0 - Pow(beta2, t));
        return PerLeaf(p, g, state, out next, (pi, gi, s) =>
        {
            s[0] = s[0] * beta1 + gi * (1 - beta1);
            s[1] = s[1] * beta2 + Square(gi) * (1 - beta2);
            var second = s[1];
            if (amsgrad) second = s[2] = Maximum(s[2], s[1]);
            var delta = As(stepSize, pi) * s[0] / (Sqrt(second) / As(sqrtBias2, pi) + eps);
            return weightDecay == 0 ? delta : delta + pi * (lr * weightDecay);
        });
    }
}

/// <summary>
/// AdamW (Loshchilov and Hutter 2019; torch's <c>AdamW</c>): decoupled weight decay
/// <c>p -= learningRate * weightDecay * p</c>, then the <see cref="Adam"/> step.
/// </summary>
public sealed class AdamW(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Decay of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the second-moment estimate.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>Decoupled weight decay, scaled by the learning rate.</summary>
    public double WeightDecay { get; } = weightDecay;

    private protected override int SlotCount => 2;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        Adam.AdamStep(t, p, g, state, out next, LearningRate, Beta1, Beta2, Epsilon, WeightDecay, amsgrad: false);
}

/// <summary>
/// AMSGrad (Reddi et al. 2018; torch's <c>Adam(amsgrad=True)</c>): Adam with <c>vmax = max(vmax, v)</c> in place of
/// <c>v</c> in the denominator, bias-corrected as torch does.
/// </summary>
public sealed class AMSGrad(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Decay of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the second-moment estimate.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    private protected override int SlotCount => 3;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        Adam.AdamStep(t, p, g, state, out next, LearningRate, Beta1, Beta2, Epsilon, weightDecay: 0, amsgrad: true);
}

/// <summary>
/// AdaMax (Kingma and Ba 2015, section 7; torch's <c>Adamax</c>): <c>m = beta1 m + (1-beta1) g</c>,
/// <c>u = max(beta2 u, |g| + epsilon)</c>, <c>p -= learningRate / (1-beta1^t) * m / u</c>.
/// </summary>
public sealed class AdaMax(double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Decay of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the infinity-norm estimate.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    private protected override int SlotCount => 2;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next)
    {
        var stepSize = LearningRate / (1.0 - Pow(Beta1, t));
        return PerLeaf(p, g, state, out next, (pi, gi, s) =>
        {
            s[0] = s[0] * Beta1 + gi * (1 - Beta1);
            s[1] = Maximum(s[1] * Beta2, Abs(gi) + Epsilon);
            return As(stepSize, pi) * s[0] / s[1];
        });
    }
}

/// <summary>
/// NAdam (Dozat 2016; torch's <c>NAdam</c>, with its momentum schedule
/// <c>mu_t = beta1 (1 - 0.5 * 0.96^(t * momentumDecay))</c>): with <c>P_t = mu_1 ... mu_t</c> and Adam's moments,
/// <c>p -= learningRate (1-mu_t)/(1-P_t) g / d + learningRate mu_(t+1)/(1-P_t mu_(t+1)) m / d</c>,
/// <c>d = sqrt(v / (1-beta2^t)) + epsilon</c>.
/// </summary>
public sealed class NAdam(double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double momentumDecay = 4e-3) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Decay of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the second-moment estimate.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>The momentum schedule's decay (PyTorch's momentum_decay).</summary>
    public double MomentumDecay { get; } = momentumDecay;

    private protected override int SlotCount => 2;

    private protected override double[] InitialScalars => [1.0];

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next)
    {
        var mu = Beta1 * (1.0 - 0.5 * Pow(0.96, t * MomentumDecay));
        var muNext = Beta1 * (1.0 - 0.5 * Pow(0.96, (t + 1.0) * MomentumDecay));
        var product = state.Scalars[0] * mu;
        var gradScale = LearningRate * (1.0 - mu) / (1.0 - product);
        var momentScale = LearningRate * muNext / (1.0 - product * muNext);
        var bias2 = 1.0 - Pow(Beta2, t);
        var deltas = PerLeaf(p, g, state, out var inner, (pi, gi, s) =>
        {
            s[0] = s[0] * Beta1 + gi * (1 - Beta1);
            s[1] = s[1] * Beta2 + Square(gi) * (1 - Beta2);
            var denom = Sqrt(s[1] / As(bias2, pi)) + Epsilon;
            return (As(gradScale, pi) * gi + As(momentScale, pi) * s[0]) / denom;
        });
        next = inner with { Scalars = [product] };
        return deltas;
    }
}

/// <summary>
/// RAdam (Liu et al. 2020; torch's <c>RAdam</c>): Adam's moments; with <c>rho_inf = 2/(1-beta2) - 1</c> and
/// <c>rho_t = rho_inf - 2 t beta2^t / (1-beta2^t)</c>, while <c>rho_t &lt;= 5</c> the step is
/// <c>learningRate * m/(1-beta1^t)</c>, afterwards it is rectified:
/// <c>learningRate * m/(1-beta1^t) * r_t * sqrt(1-beta2^t) / (sqrt(v) + epsilon)</c>,
/// <c>r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))</c>.
/// </summary>
public sealed class RAdam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : Optimiser
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>Decay of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the second-moment estimate.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Epsilon { get; } = epsilon;

    private protected override int SlotCount => 2;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next)
    {
        var bias1 = 1.0 - Pow(Beta1, t);
        var bias2 = 1.0 - Pow(Beta2, t);
        double rhoInf = 2 / (1 - Beta2) - 1;
        var rho = rhoInf - 2.0 * t * Pow(Beta2, t) / bias2;
        var rectified = Greater(rho, 5.0);
        // Clamped so that the unused branch of Where stays finite.
        var rect = Sqrt(Maximum((rho - 4.0) * (rho - 2.0) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho), 0.0));
        var adaptiveScale = Where(rectified, rect * Sqrt(bias2), 0.0);
        return PerLeaf(p, g, state, out next, (pi, gi, s) =>
        {
            s[0] = s[0] * Beta1 + gi * (1 - Beta1);
            s[1] = s[1] * Beta2 + Square(gi) * (1 - Beta2);
            var corrected = s[0] / As(bias1, pi) * LearningRate;
            var adaptive = corrected * As(adaptiveScale, pi) / (Sqrt(s[1]) + Epsilon);
            return Where(rectified, adaptive, corrected);
        });
    }
}
