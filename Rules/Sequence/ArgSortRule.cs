using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// argsort(x, Axis, Reverse): for every line along Axis, the i32 positions of its elements in stable sorted order
/// (ascending, or descending when Reverse). NaN sorts as if larger than +inf, as NumPy puts it last ascending
/// (and PyTorch first descending); -0 and +0 are equal. The result is an integer, so it has no derivative: sort
/// itself is a gather at these indices (in the front end), whose pullback scatters the cotangent back.
/// </summary>
internal sealed class ArgSortRule() : PrimitiveRule(OpCode.ArgSort)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        Checks.Numeric(Op, inputs[0], allowInt32: true);
        Checks.Axis(Op, attrs.Axis, inputs[0].Shape);
        return new TensorType(inputs[0].Shape, DType.Int32);
    }

    /// <summary>The reference: each line's positions ordered by an explicit comparison, with the position as tie-break.</summary>
    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var x = HostArrays.ToDouble(inputs[0]);
        var (outer, n, inner) = CumSumRule.Lines(output.Shape, attrs.Axis);
        var result = new int[x.Length];
        var line = new double[n];
        var order = new int[n];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                for (int k = 0; k < n; k++)
                {
                    line[k] = x[(o * n + k) * inner + i];
                    order[k] = k;
                }
                bool descending = attrs.Reverse;
                Array.Sort(order, (a, b) =>
                {
                    int c = Compare(line[a], line[b]);
                    if (descending) c = -c;
                    return c != 0 ? c : a.CompareTo(b);   // equal keys keep their order: stable
                });
                for (int k = 0; k < n; k++) result[(o * n + k) * inner + i] = order[k];
            }
        }
        return result;
    }

    /// <summary>Total order with NaN above everything (all NaNs equal) and -0 equal to +0.</summary>
    private static int Compare(double a, double b)
    {
        bool na = double.IsNaN(a), nb = double.IsNaN(b);
        if (na || nb) return na == nb ? 0 : na ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }

    public override Node?[] Vjp(Node output, Node cotangent) => [null];

    public override bool IsNonDifferentiable => true;

    /// <summary>Integer positions have no tangent.</summary>
    public override Node? Jvp(Node output, Node?[] tangents) => null;

    /// <summary>The batch axis goes to the front; the sorted axis moves one further in.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.ArgSort(BatchAxes.ToFront(args[0], axes[0]), attrs.Axis + 1, attrs.Reverse), 0);
}
