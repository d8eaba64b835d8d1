using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// reduce_sum, reduce_max, reduce_min, reduce_prod over Attrs.Axes (sorted, distinct; the reduced axes are
/// dropped). Float or i32. Reducing an empty axis gives the identity: 0, -inf (int.MinValue), +inf (int.MaxValue), 1.
/// </summary>
internal sealed class ReduceRule(
    OpCode op, double identity, Func<double, double, double> f, Func<int, int, int> int32,
    Func<Node, Node, int[], Node> pullback, Func<Node, Node, int[], Node> pushforward)
    : PrimitiveRule(op)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        Checks.Numeric(Op, x, allowInt32: true);
        var axes = Checks.Required(Op, attrs.Axes, "axes");
        for (int i = 0; i < axes.Length; i++)
        {
            Checks.Axis(Op, axes[i], x.Shape);
            if (i > 0 && axes[i] <= axes[i - 1])
                throw Checks.Error(Op, $"axes ({string.Join(",", axes)}) of {x} must be sorted and distinct");
        }
        var dims = new List<int>();
        for (int i = 0; i < x.Shape.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0) dims.Add(x.Shape[i]);
        }
        return new TensorType(new Shape(dims.ToArray()), x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = OutputPositions(inputTypes[0].Shape, attrs.Axes!, output.Shape);
        if (output.DType == DType.Int32)
        {
            var x = (int[])inputs[0];
            var acc = new int[output.Shape.Size];
            int start = identity switch { double.NegativeInfinity => int.MinValue, double.PositiveInfinity => int.MaxValue, _ => (int)identity };
            Array.Fill(acc, start);
            for (int i = 0; i < x.Length; i++) acc[map[i]] = int32(acc[map[i]], x[i]);
            return acc;
        }
        var xd = HostArrays.ToDouble(inputs[0]);
        var accd = new double[output.Shape.Size];
        Array.Fill(accd, identity);
        for (int i = 0; i < xd.Length; i++) accd[map[i]] = f(accd[map[i]], xd[i]);
        return HostArrays.FromDouble(accd, output.DType);
    }

    /// <summary>For each input element, the flat index of the output element it reduces into.</summary>
    private static int[] OutputPositions(Shape x, int[] axes, Shape y)
    {
        var yStrides = y.Strides();
        var strides = new int[x.Rank];
        for (int i = 0, k = 0; i < x.Rank; i++)
        {
            strides[i] = Array.IndexOf(axes, i) >= 0 ? 0 : yStrides[k++];
        }
        return HostArrays.StridedMap(x, strides, 0);
    }

    public override Node?[] Vjp(Node output, Node cotangent) =>
        [output.DType.IsFloat() ? pullback(output, cotangent, output.Attrs.Axes!) : null];

    public override Node? Jvp(Node output, Node?[] tangents) =>
        output.DType.IsFloat() && tangents[0] is { } t ? pushforward(output, t, output.Attrs.Axes!) : null;

    /// <summary>The batch moves to axis 0 and the reduced axes shift past it.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.Reduce(Op, BatchAxes.ToFront(args[0], axes[0]), BatchAxes.Shift(attrs.Axes!)), 0);
}

internal static class ReduceRules
{
    public static PrimitiveRule[] Create() =>
    [
        new ReduceRule(OpCode.ReduceSum, 0, (a, x) => a + x, (a, x) => unchecked(a + x), SumPullback, SumPushforward),
        new ReduceRule(OpCode.ReduceMax, double.NegativeInfinity, Math.Max, Math.Max, ExtremumPullback, ExtremumPushforward),
        new ReduceRule(OpCode.ReduceMin, double.PositiveInfinity, Math.Min, Math.Min, ExtremumPullback, ExtremumPushforward),
        new ReduceRule(OpCode.ReduceProd, 1, (a, x) => a * x, (a, x) => unchecked(a * x), ProdPullback, ProdPushforward),
    ];

    /// <summary>Broadcasts a reduced value back over the input's shape: reshape to keep-dims, then broadcast.</summary>
    public static Node Unreduce(Node reduced, int[] axes, Shape inputShape)
    {
        var keep = inputShape.ToArray();
        foreach (int a in axes) keep[a] = 1;
        return Ir.Broadcast(Ir.Reshape(reduced, new Shape(keep)), inputShape);
    }

    private static Node SumPullback(Node y, Node ct, int[] axes) => Unreduce(ct, axes, y.Inputs[0].Shape);

    /// <summary>
    /// max/min: the cotangent goes to every position equal to the result, divided by how many there are, so ties
    /// share it equally (as JAX does).
    /// </summary>
    private static Node ExtremumPullback(Node y, Node ct, int[] axes)
    {
        var x = y.Inputs[0];
        var hits = Ir.Cast(Ir.Eq(x, Unreduce(y, axes, x.Shape)), x.DType);
        var count = Ir.ReduceSum(hits, axes);
        return hits * Unreduce(ct / count, axes, x.Shape);
    }

    /// <summary>
    /// d prod / d x_i = prod / x_i. Limitation: a zero input gives 0/0 = NaN at that position (JAX avoids this with a
    /// cumulative-product formulation); callers needing gradients at exact zeros should write the product by hand.
    /// </summary>
    private static Node ProdPullback(Node y, Node ct, int[] axes)
    {
        var x = y.Inputs[0];
        return Unreduce(ct * y, axes, x.Shape) / x;
    }

    // Pushforwards: (y = reduce(x), t = tangent of x) -> tangent of y.

    private static Node SumPushforward(Node y, Node t, int[] axes) => Ir.ReduceSum(t, axes);

    /// <summary>The tangent at the positions equal to the result, averaged over ties (the VJP's convention).</summary>
    private static Node ExtremumPushforward(Node y, Node t, int[] axes)
    {
        var x = y.Inputs[0];
        var hits = Ir.Cast(Ir.Eq(x, Unreduce(y, axes, x.Shape)), x.DType);
        return Ir.ReduceSum(t * hits, axes) / Ir.ReduceSum(hits, axes);
    }

    /// <summary>sum(t * prod / x): the same zero-input limitation as the VJP.</summary>
    private static Node ProdPushforward(Node y, Node t, int[] axes)
    {
        var x = y.Inputs[0];
        return Ir.ReduceSum(t * Unreduce(y, axes, x.Shape) / x, axes);
    }
}
