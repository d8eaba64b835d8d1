using static Tracer.Ops;

namespace Tracer.Training;

/// <summary>
/// Coupled (L2) weight decay, Optimisers.jl's <c>WeightDecay</c>: adds <c>weightDecay * p</c> to the gradient.
/// On its own it is a step of that size; put it before a rule in an <see cref="OptimiserChain"/>.
/// </summary>
public sealed class WeightDecay(double weightDecay = 5e-4) : Optimiser
{
    /// <summary>The factor of the parameter added to its gradient.</summary>
    public double Decay { get; } = weightDecay;

    private protected override int SlotCount => 0;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (pi, gi, _) => gi + pi * Decay);
}

/// <summary>Clips every gradient element to <c>[-threshold, threshold]</c> (Optimisers.jl's <c>ClipGrad</c>).</summary>
public sealed class ClipGrad(double threshold = 10) : Optimiser
{
    /// <summary>Each gradient element is clipped to [-threshold, threshold].</summary>
    public double Threshold { get; } = threshold;

    private protected override int SlotCount => 0;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, _) => Clamp(gi, -Threshold, Threshold));
}

/// <summary>
/// Rescales each leaf's gradient so that its <paramref name="norm"/>-norm is at most <paramref name="maxNorm"/>
/// (Optimisers.jl's <c>ClipNorm</c>, per leaf): <c>g * min(1, maxNorm / ||g||)</c>. <c>norm</c> may be
/// <see cref="double.PositiveInfinity"/> (largest magnitude).
/// </summary>
public sealed class ClipNorm(double maxNorm = 10, double norm = 2) : Optimiser
{
    /// <summary>The largest norm a gradient leaf keeps; larger ones are scaled down to it.</summary>
    public double MaxNorm { get; } = maxNorm > 0 ? maxNorm : throw new ArgumentOutOfRangeException(nameof(maxNorm), "ClipNorm: maxNorm must be positive");

    /// <summary>The order p of the p-norm.</summary>
    public double Norm { get; } = norm >= 1 ? norm : throw new ArgumentOutOfRangeException(nameof(norm), "ClipNorm: norm must be >= 1");

    private protected override int SlotCount => 0;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next) =>
        PerLeaf(p, g, state, out next, (_, gi, _) =>
        {
            var size = double.IsPositiveInfinity(Norm) ? Max(Abs(gi))
                : Norm == 2 ? Sqrt(Sum(Square(gi)))
                : Pow(Sum(Pow(Abs(gi), Norm)), 1 / Norm);
            // A zero gradient gives maxNorm / 0 = +inf, so the factor is 1.
            return gi * Minimum(MaxNorm / size, 1.0);
        });
}

/// <summary>
/// Applies rules in sequence, each to the output of the previous (Optimisers.jl's <c>OptimiserChain</c>):
/// e.g. <c>new OptimiserChain(new ClipNorm(1), new WeightDecay(1e-4), new Adam())</c>. Its state holds one inner
/// state per rule in <see cref="OptimiserState{T}.Inner"/>.
/// </summary>
public sealed class OptimiserChain : Optimiser
{
    private readonly Optimiser[] rules;

    /// <summary>Applies <paramref name="rules"/> in order, each to the previous one's output.</summary>
    public OptimiserChain(params Optimiser[] rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Length == 0) throw new ArgumentException("OptimiserChain needs at least one rule", nameof(rules));
        this.rules = (Optimiser[])rules.Clone();
    }

    /// <summary>The rules, in the order they apply.</summary>
    public IReadOnlyList<Optimiser> Rules => rules;

    private protected override int SlotCount => 0;

    private protected override Optimiser[] InnerRules => rules;

    private protected override Tensor[] Deltas(Tensor t, Tensor[] p, Tensor[] g, RuleState state, out RuleState next)
    {
        var inner = new RuleState[rules.Length];
        var current = g;
        for (int j = 0; j < rules.Length; j++) current = InnerDeltas(rules[j], t, p, current, state.Inner[j], out inner[j]);
        next = state with { Inner = inner };
        return current;
    }
}
