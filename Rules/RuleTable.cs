using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// The registry of primitive rules, indexed by <see cref="OpCode"/>. <see cref="Default"/> has a rule for every
/// primitive; a coverage test checks it. Registration is explicit (each op family lists its rules), no reflection.
/// </summary>
public sealed class RuleTable : IRuleSet
{
    private readonly PrimitiveRule?[] rules;

    /// <summary>A table of <paramref name="rules"/>; two rules for one op are an error.</summary>
    public RuleTable(IEnumerable<PrimitiveRule> rules)
    {
        this.rules = new PrimitiveRule?[Enum.GetValues<OpCode>().Length];
        foreach (var rule in rules)
        {
            if (this.rules[(int)rule.Op] is not null)
                throw new ArgumentException($"{rule.Op.Name()}: two rules registered for this primitive");
            this.rules[(int)rule.Op] = rule;
        }
    }

    /// <summary>The rules of every primitive.</summary>
    public static RuleTable Default { get; } = new(
    [
        .. UnaryRules.Create(),
        .. BinaryRules.Create(),
        .. CompareRules.Create(),
        .. CastRules.Create(),
        .. ReduceRules.Create(),
        .. ReshapeRules.Create(),
        .. SliceRules.Create(),
        .. GatherRules.Create(),
        .. MatMulRules.Create(),
        .. LinalgRules.Create(),
        .. CustomRule.Create(),
        .. BarrierRule.Create(),
        .. ScanRule.Create(),
        .. WhileRule.Create(),
        .. SwitchRule.Create(),
        // more elementwise (ops-elem family)
        .. SpecialRules.Create(),
        .. BitwiseRules.Create(),   // bitwise and logical family (jitergo)
        .. ConvRules.Create(),   // conv family
        .. MaxPoolRules.Create(),   // max pooling (conv helper)
        // ops-shape family: cumsum, argsort
        .. SequenceRules.Create(),
    ]);

    /// <summary>The rule of <paramref name="op"/>, or null for leaves (input, literal, constant), which have none.</summary>
    public PrimitiveRule? Find(OpCode op) => (uint)op < (uint)rules.Length ? rules[(int)op] : null;
}
