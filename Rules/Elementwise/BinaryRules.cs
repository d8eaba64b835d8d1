using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Binary arithmetic with NumPy broadcasting. Both operands must have the same dtype (the front end inserts casts).
/// add, sub, mul, div, max and min also accept i32 (wrapping arithmetic; div truncates toward zero and follows XLA
/// for the undefined cases: x / 0 = -1 and int.MinValue / -1 = int.MinValue). pow is float only.
/// The derivative rules are given per operand as "scale by the partial derivative": <c>(y, s) -> s * dy/da</c>
/// (and dy/db). The VJP applies them to the cotangent and un-broadcasts; the JVP applies them to the tangents
/// and adds.
/// </summary>
internal sealed class BinaryRule(
    OpCode op, Func<double, double, double> f, Func<int, int, int>? int32,
    Func<Node, Node, Node> scaleA, Func<Node, Node, Node> scaleB)
    : PrimitiveRule(op)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.SameDType(Op, inputs[0], inputs[1]);
        Checks.Numeric(Op, inputs[0], allowInt32: int32 is not null);
        return new TensorType(Checks.Broadcast(Op, inputs[0].Shape, inputs[1].Shape), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var ma = HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape);
        var mb = HostArrays.BroadcastMap(inputTypes[1].Shape, output.Shape);
        if (output.DType == DType.Int32)
        {
            var a = (int[])inputs[0];
            var b = (int[])inputs[1];
            var r = new int[ma.Length];
            for (int i = 0; i < r.Length; i++) r[i] = int32!(a[ma[i]], b[mb[i]]);
            return r;
        }
        var ad = HostArrays.ToDouble(inputs[0]);
        var bd = HostArrays.ToDouble(inputs[1]);
        var rd = new double[ma.Length];
        for (int i = 0; i < rd.Length; i++) rd[i] = f(ad[ma[i]], bd[mb[i]]);
        return HostArrays.FromDouble(rd, output.DType);
    }

    /// <summary>The scaled cotangents have the broadcast shape; this un-broadcasts them.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        if (!output.DType.IsFloat()) return [null, null];
        return
        [
            Ir.SumToShape(scaleA(output, cotangent), output.Inputs[0].Shape),
            Ir.SumToShape(scaleB(output, cotangent), output.Inputs[1].Shape),
        ];
    }

    /// <summary>ta * dy/da + tb * dy/db, broadcast to the output's shape (a tangent may have an operand's smaller shape).</summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (!output.DType.IsFloat()) return null;
        var ta = tangents[0] is { } a ? scaleA(output, a) : null;
        var tb = tangents[1] is { } b ? scaleB(output, b) : null;
        var sum = ta is null ? tb : tb is null ? ta : ta + tb;
        return sum is null ? null : Ir.Broadcast(sum, output.Shape);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        BatchAxes.Broadcasting(Op, attrs, args, axes);
}

internal static class BinaryRules
{
    public static PrimitiveRule[] Create() =>
    [
        new BinaryRule(OpCode.Add, (a, b) => a + b, (a, b) => unchecked(a + b), (y, s) => s, (y, s) => s),
        new BinaryRule(OpCode.Sub, (a, b) => a - b, (a, b) => unchecked(a - b), (y, s) => s, (y, s) => -s),
        new BinaryRule(OpCode.Mul, (a, b) => a * b, (a, b) => unchecked(a * b), (y, s) => s * y.Inputs[1], (y, s) => s * y.Inputs[0]),
        new BinaryRule(OpCode.Div, (a, b) => a / b, DivInt32, (y, s) => s / y.Inputs[1], DivScaleB),
        new BinaryRule(OpCode.Pow, Math.Pow, null, PowScaleA, PowScaleB),
        new BinaryRule(OpCode.Max, Math.Max, Math.Max, SelectedScaleA, SelectedScaleB),
        new BinaryRule(OpCode.Min, Math.Min, Math.Min, SelectedScaleA, SelectedScaleB),
    ];

    /// <summary>Truncating division with XLA's results where C# would throw.</summary>
    public static int DivInt32(int a, int b)
    {
        if (b == 0) return -1;
        if (b == -1) return unchecked(-a);
        return a / b;
    }

    // Scales: (y = op(a, b), s) -> s * dy/da or s * dy/db, elementwise with broadcasting, written in IR.

    /// <summary>y = a / b: dy/db = -a / b^2 = -y / b.</summary>
    private static Node DivScaleB(Node y, Node s) => -(s * y) / y.Inputs[1];

    /// <summary>
    /// y = a^b: dy/da = b * a^(b-1), and 0 where b == 0 (a^0 is the constant 1), as JAX and PyTorch define it:
    /// the product alone would be 0 * 0^-1 = 0 * inf = NaN at a == 0. The base is also replaced by 1 where b == 0
    /// so that the unused branch stays finite when this is differentiated again (a NaN there would leak through
    /// the select's pullback as 0 * inf).
    /// </summary>
    private static Node PowScaleA(Node y, Node s)
    {
        Node a = y.Inputs[0], b = y.Inputs[1];
        var isZero = Ir.Eq(b, Ir.Lit(0, b.DType));
        var safeBase = Ir.Select(isZero, Ir.Lit(1, a.DType), a);
        return s * Ir.Select(isZero, Ir.Lit(0, b.DType), b * Ir.Pow(safeBase, b - 1));
    }

    /// <summary>
    /// y = a^b: dy/db = log(a) * a^b. At a == 0 the log is replaced by log(1) = 0 so the b-derivative is 0 rather
    /// than 0 * -inf = NaN (and stays finite when differentiated again).
    /// </summary>
    private static Node PowScaleB(Node y, Node s)
    {
        var a = y.Inputs[0];
        var isZero = Ir.Eq(a, Ir.Lit(0, a.DType));
        var safeLog = Ir.Log(Ir.Select(isZero, Ir.Lit(1, a.DType), a));
        return s * y * safeLog;
    }

    /// <summary>
    /// max/min: the derivative follows the operand that was selected; on a tie each operand gets half (JAX's
    /// balanced rule), so the gradient of max(x, x) is still the gradient of x.
    /// </summary>
    private static Node SelectedScaleA(Node y, Node s) => s * SelectedWeight(y.Inputs[0], y, y.Inputs[1]);

    private static Node SelectedScaleB(Node y, Node s) => s * SelectedWeight(y.Inputs[1], y, y.Inputs[0]);

    /// <summary>1 where <paramref name="x"/> produced <paramref name="y"/> alone, 1/2 on a tie with <paramref name="other"/>, else 0.</summary>
    private static Node SelectedWeight(Node x, Node y, Node other)
    {
        var dtype = y.DType;
        var share = Ir.Select(Ir.Eq(other, y), Ir.Lit(0.5, dtype), Ir.Lit(1, dtype));
        return Ir.Select(Ir.Eq(x, y), share, Ir.Lit(0, dtype));
    }
}
