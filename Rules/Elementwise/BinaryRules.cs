using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Binary arithmetic with NumPy broadcasting. Both operands must have the same dtype (the front end inserts casts).
/// add, sub, mul, div, max and min also accept i32 (wrapping arithmetic; div truncates toward zero and follows XLA
/// for the undefined cases: x / 0 = -1 and int.MinValue / -1 = int.MinValue). pow is float only.
/// </summary>
internal sealed class BinaryRule(
    OpCode op, Func<double, double, double> f, Func<int, int, int>? int32, Func<Node, Node, (Node?, Node?)> pullback)
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

    /// <summary>The pullback gives cotangents of the broadcast shape; this un-broadcasts them.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        if (!output.DType.IsFloat()) return [null, null];
        var (da, db) = pullback(output, cotangent);
        return
        [
            da is null ? null : Ir.SumToShape(da, output.Inputs[0].Shape),
            db is null ? null : Ir.SumToShape(db, output.Inputs[1].Shape),
        ];
    }
}

internal static class BinaryRules
{
    public static PrimitiveRule[] Create() =>
    [
        new BinaryRule(OpCode.Add, (a, b) => a + b, (a, b) => unchecked(a + b), AddPullback),
        new BinaryRule(OpCode.Sub, (a, b) => a - b, (a, b) => unchecked(a - b), SubPullback),
        new BinaryRule(OpCode.Mul, (a, b) => a * b, (a, b) => unchecked(a * b), MulPullback),
        new BinaryRule(OpCode.Div, (a, b) => a / b, DivInt32, DivPullback),
        new BinaryRule(OpCode.Pow, Math.Pow, null, PowPullback),
        new BinaryRule(OpCode.Max, Math.Max, Math.Max, MaxPullback),
        new BinaryRule(OpCode.Min, Math.Min, Math.Min, MinPullback),
    ];

    /// <summary>Truncating division with XLA's results where C# would throw.</summary>
    public static int DivInt32(int a, int b)
    {
        if (b == 0) return -1;
        if (b == -1) return unchecked(-a);
        return a / b;
    }

    // Pullbacks return cotangents of the broadcast output shape; BinaryRule.Vjp sums them back to each operand.

    private static (Node?, Node?) AddPullback(Node y, Node ct) => (ct, ct);

    private static (Node?, Node?) SubPullback(Node y, Node ct) => (ct, -ct);

    private static (Node?, Node?) MulPullback(Node y, Node ct) => (ct * y.Inputs[1], ct * y.Inputs[0]);

    /// <summary>y = a / b: dy/da = 1 / b, dy/db = -a / b^2 = -y / b.</summary>
    private static (Node?, Node?) DivPullback(Node y, Node ct)
    {
        var b = y.Inputs[1];
        return (ct / b, -(ct * y) / b);
    }

    /// <summary>
    /// y = a^b: dy/da = b * a^(b-1), dy/db = log(a) * a^b. At a == 0 the log is replaced by log(1) = 0 so the
    /// b-gradient is 0 rather than 0 * -inf = NaN (and stays finite when differentiated again).
    /// </summary>
    private static (Node?, Node?) PowPullback(Node y, Node ct)
    {
        Node a = y.Inputs[0], b = y.Inputs[1];
        var da = ct * b * Ir.Pow(a, b - 1);
        var isZero = Ir.Eq(a, Ir.Lit(0, a.DType));
        var safeLog = Ir.Log(Ir.Select(isZero, Ir.Lit(1, a.DType), a));
        var db = ct * y * safeLog;
        return (da, db);
    }

    private static (Node?, Node?) MaxPullback(Node y, Node ct) => RouteToSelected(y, ct);

    private static (Node?, Node?) MinPullback(Node y, Node ct) => RouteToSelected(y, ct);

    /// <summary>
    /// max/min: the cotangent goes to the operand that was selected; on a tie each operand gets half (JAX's
    /// balanced rule), so the gradient of max(x, x) is still the gradient of x.
    /// </summary>
    private static (Node?, Node?) RouteToSelected(Node y, Node ct)
    {
        Node a = y.Inputs[0], b = y.Inputs[1];
        return (ct * SelectedWeight(a, y, b), ct * SelectedWeight(b, y, a));
    }

    /// <summary>1 where <paramref name="x"/> produced <paramref name="y"/> alone, 1/2 on a tie with <paramref name="other"/>, else 0.</summary>
    private static Node SelectedWeight(Node x, Node y, Node other)
    {
        var dtype = y.DType;
        var share = Ir.Select(Ir.Eq(other, y), Ir.Lit(0.5, dtype), Ir.Lit(1, dtype));
        return Ir.Select(Ir.Eq(x, y), share, Ir.Lit(0, dtype));
    }
}
