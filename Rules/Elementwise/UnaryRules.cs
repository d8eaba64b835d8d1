using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Unary elementwise primitives: float only, except neg, abs and sign, which also accept i32. The reference
/// implementation computes floats in double and rounds to the output dtype. Pullbacks reuse the output where
/// that is cheaper than recomputing (exp, sqrt, rsqrt, expm1, tan, tanh, logistic). Each pullback multiplies by
/// the elementwise derivative, so it doubles as the JVP.
/// </summary>
internal sealed class UnaryRule(
    OpCode op, Func<double, double> f, Func<int, int>? int32, Func<Node, Node, Node?> pullback) : PrimitiveRule(op)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        Checks.Numeric(Op, inputs[0], allowInt32: int32 is not null);
        return inputs[0];
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        if (output.DType == DType.Int32)
        {
            var x = (int[])inputs[0];
            var r = new int[x.Length];
            for (int i = 0; i < x.Length; i++) r[i] = int32!(x[i]);
            return r;
        }
        var xd = HostArrays.ToDouble(inputs[0]);
        var rd = new double[xd.Length];
        for (int i = 0; i < xd.Length; i++) rd[i] = f(xd[i]);
        return HostArrays.FromDouble(rd, output.DType);
    }

    /// <summary>Integer outputs are piecewise constant: no gradient.</summary>
    public override Node?[] Vjp(Node output, Node cotangent) =>
        [output.DType.IsFloat() ? pullback(output, cotangent) : null];

    /// <summary>
    /// The derivative of an elementwise unary op is diagonal, so the pushforward is the pullback: t * f'(x).
    /// </summary>
    public override Node? Jvp(Node output, Node?[] tangents) =>
        output.DType.IsFloat() && tangents[0] is { } t ? pullback(output, t) : null;

    /// <summary>Elementwise: the op applies to the batched operand as it is; the batch stays where it was.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        (Ir.B.Emit(Op, attrs, args[0]), axes[0]);
}

internal static class UnaryRules
{
    public static PrimitiveRule[] Create() =>
    [
        new UnaryRule(OpCode.Neg, x => -x, x => unchecked(-x), NegPullback),
        new UnaryRule(OpCode.Abs, Math.Abs, x => x < 0 ? unchecked(-x) : x, AbsPullback),
        new UnaryRule(OpCode.Sign, Sign, x => Math.Sign(x), SignPullback),
        new UnaryRule(OpCode.Exp, Math.Exp, null, ExpPullback),
        new UnaryRule(OpCode.Log, Math.Log, null, LogPullback),
        new UnaryRule(OpCode.Log1p, Log1p, null, Log1pPullback),
        new UnaryRule(OpCode.Expm1, Expm1, null, Expm1Pullback),
        new UnaryRule(OpCode.Sqrt, Math.Sqrt, null, SqrtPullback),
        new UnaryRule(OpCode.Rsqrt, x => 1 / Math.Sqrt(x), null, RsqrtPullback),
        new UnaryRule(OpCode.Sin, Math.Sin, null, SinPullback),
        new UnaryRule(OpCode.Cos, Math.Cos, null, CosPullback),
        new UnaryRule(OpCode.Tan, Math.Tan, null, TanPullback),
        new UnaryRule(OpCode.Tanh, Math.Tanh, null, TanhPullback),
        new UnaryRule(OpCode.Logistic, Logistic, null, LogisticPullback),
    ];

    // Reference scalar functions that Math lacks: shared with the backends (Compiler's ScalarFunctions).
    public static double Sign(double x) => ScalarFunctions.Sign(x);

    public static double Log1p(double x) => ScalarFunctions.Log1p(x);

    public static double Expm1(double x) => ScalarFunctions.Expm1(x);

    public static double Logistic(double x) => ScalarFunctions.Logistic(x);

    // Pullbacks: (y = op(x), ct) -> ct * dy/dx, written in IR so they can be differentiated again. Also the JVPs
    // (t -> t * dy/dx), so they must stay elementwise in ct.

    private static Node X(Node y) => y.Inputs[0];

    private static Node NegPullback(Node y, Node ct) => -ct;

    private static Node AbsPullback(Node y, Node ct) => ct * Ir.Sign(X(y));

    /// <summary>Sign is piecewise constant: a symbolic zero.</summary>
    private static Node? SignPullback(Node y, Node ct) => null;

    private static Node ExpPullback(Node y, Node ct) => ct * y;

    private static Node LogPullback(Node y, Node ct) => ct / X(y);

    private static Node Log1pPullback(Node y, Node ct) => ct / (X(y) + 1);

    private static Node Expm1Pullback(Node y, Node ct) => ct * (y + 1);

    private static Node SqrtPullback(Node y, Node ct) => ct / (y * 2);

    /// <summary>d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 * y / x.</summary>
    private static Node RsqrtPullback(Node y, Node ct) => ct * (y * -0.5) / X(y);

    private static Node SinPullback(Node y, Node ct) => ct * Ir.Cos(X(y));

    private static Node CosPullback(Node y, Node ct) => -(ct * Ir.Sin(X(y)));

    private static Node TanPullback(Node y, Node ct) => ct * (y * y + 1);

    private static Node TanhPullback(Node y, Node ct) => ct * (1 - y * y);

    private static Node LogisticPullback(Node y, Node ct) => ct * (y * (1 - y));
}
