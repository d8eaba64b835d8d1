namespace Tracer.Compiler;

/// <summary>
/// Everything the compiler knows about one primitive: its shape/dtype rule, its reference (eager) implementation
/// and its derivative rules. Rules emit IR into <see cref="GraphBuilder.Current"/>, so derivatives of derivatives
/// come for free. Implementations live in the Rules project, one file per op family.
/// </summary>
public abstract class PrimitiveRule
{
    /// <summary>A rule for <paramref name="op"/>.</summary>
    protected PrimitiveRule(OpCode op) => Op = op;

    /// <summary>The primitive this rule describes.</summary>
    public OpCode Op { get; }

    /// <summary>Output type, or an <see cref="ArgumentException"/> that names the op and the offending shapes.</summary>
    public abstract TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs);

    /// <summary>Reference implementation on row-major host arrays.</summary>
    public abstract Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs);

    /// <summary>
    /// Reverse-mode rule: given the (already emitted) forward node and the cotangent of its output, emit and
    /// return one cotangent per input; null means a symbolic zero (no gradient flows to that input).
    /// </summary>
    public abstract Node?[] Vjp(Node output, Node cotangent);

    /// <summary>True when no input ever receives a gradient (comparisons, casts to non-floats...).</summary>
    public virtual bool IsNonDifferentiable => false;

    /// <summary>
    /// Forward-mode rule: given the (already emitted) forward node and one tangent per input (null = symbolic zero),
    /// emit and return the tangent of the output (null = zero). Emits IR, so it composes with reverse mode.
    /// </summary>
    public virtual Node? Jvp(Node output, Node?[] tangents) =>
        throw new NotSupportedException($"{Op.Name()}: no forward-mode (JVP) rule");

    /// <summary>
    /// Batching rule (vmap): <paramref name="args"/> carry a batch of size <paramref name="batchSize"/> along
    /// <paramref name="axes"/>[i] (-1 = not batched; at least one is batched). Emit the batched computation and
    /// return the output with the axis its batch lies on.
    /// </summary>
    public virtual (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        throw new NotSupportedException($"{Op.Name()}: no batching (vmap) rule");
}

/// <summary>The registry of rules, indexed by primitive.</summary>
public interface IRuleSet
{
    /// <summary>The rule of <paramref name="op"/>, or null when the registry has a gap (a coverage test looks).</summary>
    PrimitiveRule? Find(OpCode op);
}

/// <summary>Lookups in a rule set that fail with a clear message.</summary>
public static class RuleSetExtensions
{
    /// <summary>The rule of <paramref name="op"/>, or an error naming the primitive when the set has none.</summary>
    public static PrimitiveRule Get(this IRuleSet rules, OpCode op) =>
        rules.Find(op) ?? throw new NotSupportedException($"{op.Name()}: no rule is registered for this primitive");
}
