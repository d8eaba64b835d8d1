using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// The extra elementwise primitives: inverse trigonometric and hyperbolic functions, erf/erfc, lgamma, the
/// rounding functions, atan2, NumPy mod and polygamma. Unary ones reuse <see cref="UnaryRule"/> (the pullback
/// doubles as the JVP), binary ones <see cref="BinaryRule"/>; polygamma has its own rule because its order operand
/// takes no gradient. Rounding functions are piecewise constant: a symbolic zero derivative, as in JAX.
/// </summary>
internal static class SpecialRules
{
    public static PrimitiveRule[] Create() =>
    [
        new UnaryRule(OpCode.Asin, Math.Asin, null, AsinPullback),
        new UnaryRule(OpCode.Acos, Math.Acos, null, AcosPullback),
        new UnaryRule(OpCode.Atan, Math.Atan, null, AtanPullback),
        new UnaryRule(OpCode.Sinh, Math.Sinh, null, (y, ct) => ct * Ir.Cosh(X(y))),
        new UnaryRule(OpCode.Cosh, Math.Cosh, null, (y, ct) => ct * Ir.Sinh(X(y))),
        new UnaryRule(OpCode.Asinh, Math.Asinh, null, AsinhPullback),
        new UnaryRule(OpCode.Acosh, Math.Acosh, null, AcoshPullback),
        new UnaryRule(OpCode.Atanh, Math.Atanh, null, AtanhPullback),
        new UnaryRule(OpCode.Erf, SpecialFunctions.Erf, null, ErfPullback),
        new UnaryRule(OpCode.Erfc, SpecialFunctions.Erfc, null, (y, ct) => -ErfPullback(y, ct)),
        new UnaryRule(OpCode.Lgamma, SpecialFunctions.Lgamma, null, LgammaPullback),
        new UnaryRule(OpCode.Floor, Math.Floor, null, Piecewise),
        new UnaryRule(OpCode.Ceil, Math.Ceiling, null, Piecewise),
        new UnaryRule(OpCode.Round, SpecialFunctions.Round, null, Piecewise),
        new UnaryRule(OpCode.Trunc, Math.Truncate, null, Piecewise),
        new BinaryRule(OpCode.Atan2, Math.Atan2, null, Atan2ScaleY, Atan2ScaleX),
        new BinaryRule(OpCode.Mod, SpecialFunctions.Mod, SpecialFunctions.Mod, (y, s) => s, ModScaleB),
        new PolygammaRule(),
    ];

    private static Node X(Node y) => y.Inputs[0];

    /// <summary>Rounding is piecewise constant: a symbolic zero, as JAX defines it.</summary>
    private static Node? Piecewise(Node y, Node ct) => null;

    /// <summary>d/dx asin x = 1 / sqrt(1 - x^2).</summary>
    private static Node AsinPullback(Node y, Node ct) => ct * Ir.Rsqrt(1 - X(y) * X(y));

    /// <summary>d/dx acos x = -1 / sqrt(1 - x^2).</summary>
    private static Node AcosPullback(Node y, Node ct) => -(ct * Ir.Rsqrt(1 - X(y) * X(y)));

    /// <summary>d/dx atan x = 1 / (1 + x^2).</summary>
    private static Node AtanPullback(Node y, Node ct) => ct / (X(y) * X(y) + 1);

    /// <summary>d/dx asinh x = 1 / sqrt(x^2 + 1).</summary>
    private static Node AsinhPullback(Node y, Node ct) => ct * Ir.Rsqrt(X(y) * X(y) + 1);

    /// <summary>d/dx acosh x = 1 / sqrt((x - 1)(x + 1)) (the factored form keeps precision near x = 1).</summary>
    private static Node AcoshPullback(Node y, Node ct) => ct * Ir.Rsqrt((X(y) - 1) * (X(y) + 1));

    /// <summary>d/dx atanh x = 1 / ((1 - x)(1 + x)).</summary>
    private static Node AtanhPullback(Node y, Node ct) => ct / ((1 - X(y)) * (X(y) + 1));

    /// <summary>d/dx erf x = 2 / sqrt(pi) exp(-x^2).</summary>
    private static Node ErfPullback(Node y, Node ct) => ct * (Ir.Exp(-(X(y) * X(y))) * 1.1283791670955126);

    /// <summary>d/dx lgamma x = digamma x = polygamma(0, x).</summary>
    private static Node LgammaPullback(Node y, Node ct) => ct * Ir.Polygamma(Ir.Lit(0, y.DType), X(y));

    /// <summary>atan2(y, x): d/dy = x / (x^2 + y^2).</summary>
    private static Node Atan2ScaleY(Node r, Node s)
    {
        Node y = r.Inputs[0], x = r.Inputs[1];
        return s * x / (x * x + y * y);
    }

    /// <summary>atan2(y, x): d/dx = -y / (x^2 + y^2).</summary>
    private static Node Atan2ScaleX(Node r, Node s)
    {
        Node y = r.Inputs[0], x = r.Inputs[1];
        return -(s * y) / (x * x + y * y);
    }

    /// <summary>mod(a, b) = a - floor(a / b) b: d/db = -floor(a / b) (JAX's rule; d/da = 1).</summary>
    private static Node ModScaleB(Node y, Node s) => -(s * Ir.Floor(y.Inputs[0] / y.Inputs[1]));
}

/// <summary>
/// polygamma(n, x), both operands of one float dtype with broadcasting: n holds non-negative integer values (the
/// derivative order; anything else gives NaN) and takes no gradient (a symbolic zero, as JAX's rule); the
/// derivative in x is polygamma(n + 1, x), so every order differentiates again.
/// </summary>
internal sealed class PolygammaRule() : PrimitiveRule(OpCode.Polygamma)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.SameDType(Op, inputs[0], inputs[1]);
        Checks.Float(Op, inputs[0]);
        return new TensorType(Checks.Broadcast(Op, inputs[0].Shape, inputs[1].Shape), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var mn = HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape);
        var mx = HostArrays.BroadcastMap(inputTypes[1].Shape, output.Shape);
        var n = HostArrays.ToDouble(inputs[0]);
        var x = HostArrays.ToDouble(inputs[1]);
        var r = new double[mn.Length];
        for (int i = 0; i < r.Length; i++) r[i] = SpecialFunctions.Polygamma(n[mn[i]], x[mx[i]]);
        return HostArrays.FromDouble(r, output.DType);
    }

    private static Node Derivative(Node y) => Ir.Polygamma(y.Inputs[0] + 1, y.Inputs[1]);

    public override Node?[] Vjp(Node output, Node cotangent) =>
        [null, Ir.SumToShape(cotangent * Derivative(output), output.Inputs[1].Shape)];

    public override Node? Jvp(Node output, Node?[] tangents) =>
        tangents[1] is { } t ? Ir.Broadcast(t * Derivative(output), output.Shape) : null;

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        BatchAxes.Broadcasting(Op, attrs, args, axes);
}
