namespace Tracer.Compiler;

/// <summary>
/// The rule of a control-flow primitive (scan, while, switch). Such a construct with several results is several
/// sibling equations (same definition and inputs, Attrs.Index naming the result; see <see cref="Siblings"/>). The
/// transforms treat the siblings as one unit and call the methods here once per construct, so a construct gets one
/// backward, one forward and one batched construct however many of its results are used. The single-result entry
/// points of <see cref="PrimitiveRule"/> are defined in terms of them.
/// </summary>
public abstract class ControlFlowRule(OpCode op) : PrimitiveRule(op)
{
    /// <summary>
    /// Reverse mode for the whole construct: <paramref name="cotangents"/>[i] is the cotangent of result i (null: a
    /// symbolic zero; at least one is not null). Emits one backward construct; returns one cotangent per input.
    /// </summary>
    public abstract Node?[] VjpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] cotangents);

    /// <summary>
    /// Forward mode for the whole construct, given one tangent per input (null: zero; at least one is not null).
    /// Emits one construct computing the results and their tangents together, and returns both: the primals replace
    /// the construct's own results (so the loop does not run twice), the tangents are null for non-float results.
    /// </summary>
    public abstract (Node[] Primals, Node?[] Tangents) JvpAll(Attrs attrs, IReadOnlyList<Node> inputs, Node?[] tangents);

    /// <summary>Batching for the whole construct: every result with the axis its batch lies on.</summary>
    public abstract (Node[] Outputs, int[] Axes) BatchAll(Attrs attrs, Node[] args, int[] axes, int batchSize);

    /// <inheritdoc/>
    public sealed override Node?[] Vjp(Node output, Node cotangent)
    {
        var cotangents = new Node?[output.Attrs.Control!.ResultCount];
        cotangents[output.Attrs.Index] = cotangent;
        return VjpAll(output.Attrs, output.Inputs, cotangents);
    }

    /// <inheritdoc/>
    public sealed override Node? Jvp(Node output, Node?[] tangents) =>
        JvpAll(output.Attrs, output.Inputs, tangents).Tangents[output.Attrs.Index];

    /// <inheritdoc/>
    public sealed override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var (outputs, outAxes) = BatchAll(attrs, args, axes, batchSize);
        return (outputs[attrs.Index], outAxes[attrs.Index]);
    }
}
