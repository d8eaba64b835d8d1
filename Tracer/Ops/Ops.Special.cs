using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    // ---- inverse trigonometric and hyperbolic functions (primitives) ---------------------------------------

    /// <summary>Elementwise arcsine, in [-pi/2, pi/2]; NaN outside [-1, 1]. Derivative 1 / sqrt(1 - x^2).</summary>
    public static Tensor Asin(Tensor x) => Unary(OpCode.Asin, x);

    /// <summary>Elementwise arccosine, in [0, pi]; NaN outside [-1, 1]. Derivative -1 / sqrt(1 - x^2).</summary>
    public static Tensor Acos(Tensor x) => Unary(OpCode.Acos, x);

    /// <summary>Elementwise arctangent, in (-pi/2, pi/2). Derivative 1 / (1 + x^2).</summary>
    public static Tensor Atan(Tensor x) => Unary(OpCode.Atan, x);

    /// <summary>Elementwise hyperbolic sine. Derivative cosh x.</summary>
    public static Tensor Sinh(Tensor x) => Unary(OpCode.Sinh, x);

    /// <summary>Elementwise hyperbolic cosine. Derivative sinh x.</summary>
    public static Tensor Cosh(Tensor x) => Unary(OpCode.Cosh, x);

    /// <summary>Elementwise inverse hyperbolic sine. Derivative 1 / sqrt(x^2 + 1).</summary>
    public static Tensor Asinh(Tensor x) => Unary(OpCode.Asinh, x);

    /// <summary>Elementwise inverse hyperbolic cosine; NaN below 1. Derivative 1 / sqrt(x^2 - 1).</summary>
    public static Tensor Acosh(Tensor x) => Unary(OpCode.Acosh, x);

    /// <summary>Elementwise inverse hyperbolic tangent; +-inf at +-1, NaN beyond. Derivative 1 / (1 - x^2).</summary>
    public static Tensor Atanh(Tensor x) => Unary(OpCode.Atanh, x);

    // ---- special functions (primitives) -------------------------------------------------------------------

    /// <summary>The error function 2/sqrt(pi) * integral of exp(-t^2) from 0 to x. Derivative 2/sqrt(pi) exp(-x^2).</summary>
    public static Tensor Erf(Tensor x) => Unary(OpCode.Erf, x);

    /// <summary>The complementary error function 1 - erf(x), accurate where erf(x) is close to 1 (tail probabilities).</summary>
    public static Tensor Erfc(Tensor x) => Unary(OpCode.Erfc, x);

    /// <summary>log |gamma(x)|; +inf at 0, -1, -2... Its derivative is <see cref="Digamma"/>.</summary>
    public static Tensor Lgamma(Tensor x) => Unary(OpCode.Lgamma, x);

    /// <summary>
    /// The digamma function psi(x) = d/dx log gamma(x); NaN at 0, -1, -2... It is <c>Polygamma(0, x)</c>: the
    /// polygamma primitive of order 0, whose derivative is the next order, so it differentiates to any order.
    /// </summary>
    public static Tensor Digamma(Tensor x)
    {
        NotNull(x, "Digamma");
        FloatOnly(x, "Digamma");
        return Polygamma(0, x);
    }

    /// <summary>
    /// The polygamma function psi^(n)(x), the <paramref name="n"/>-th derivative of <see cref="Digamma"/>
    /// (n = 1 is the trigamma function). Its derivative in x is polygamma(n + 1, x).
    /// </summary>
    public static Tensor Polygamma(int n, Tensor x)
    {
        NotNull(x, "Polygamma");
        FloatOnly(x, "Polygamma");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"Polygamma: the order n must be 0 or more, got {n}");
        return Binary(OpCode.Polygamma, Tensor.Full(x.DType, n), x);
    }

    /// <summary>
    /// polygamma with an order per element (broadcast against <paramref name="x"/>): <paramref name="n"/> holds
    /// non-negative integer values (elsewhere the result is NaN) and takes no gradient.
    /// </summary>
    public static Tensor Polygamma(Tensor n, Tensor x) => Binary(OpCode.Polygamma, n, x);

    // ---- rounding (primitives; zero derivative, as in JAX) ------------------------------------------------

    /// <summary>Round toward minus infinity. The derivative is zero; an integer tensor is returned as it is.</summary>
    public static Tensor Floor(Tensor x) => Rounding(OpCode.Floor, x);

    /// <summary>Round toward plus infinity. The derivative is zero; an integer tensor is returned as it is.</summary>
    public static Tensor Ceil(Tensor x) => Rounding(OpCode.Ceil, x);

    /// <summary>Round to the nearest integer, halves to even (2.5 -> 2, 3.5 -> 4), as NumPy. The derivative is zero.</summary>
    public static Tensor Round(Tensor x) => Rounding(OpCode.Round, x);

    /// <summary>Round toward zero. The derivative is zero; an integer tensor is returned as it is.</summary>
    public static Tensor Trunc(Tensor x) => Rounding(OpCode.Trunc, x);

    private static Tensor Rounding(OpCode op, Tensor x) => NotNull(x, op.Name()).DType == DType.Int32 ? x : Unary(op, x);

    // ---- composites ---------------------------------------------------------------------------------------

    /// <summary>1 / x. An integer or bool tensor gives f32 (as a C# double operand does).</summary>
    public static Tensor Reciprocal(Tensor x) => Binary(OpCode.Div, 1.0, NotNull(x, "Reciprocal"));

    /// <summary>True where x is NaN (bool); integer and bool tensors have none.</summary>
    public static Tensor IsNan(Tensor x) =>
        NotNull(x, "IsNan").DType.IsFloat() ? NotEqual(x, x) : Tensor.Full(DType.Bool, 0, x.Shape.ToArray());

    /// <summary>True where x is +inf or -inf (bool); integer and bool tensors have none.</summary>
    public static Tensor IsInf(Tensor x) =>
        NotNull(x, "IsInf").DType.IsFloat() ? Equal(Abs(x), double.PositiveInfinity) : Tensor.Full(DType.Bool, 0, x.Shape.ToArray());

    /// <summary>True where x is neither infinite nor NaN (bool); always true for integer and bool tensors.</summary>
    public static Tensor IsFinite(Tensor x) =>
        NotNull(x, "IsFinite").DType.IsFloat() ? Less(Abs(x), double.PositiveInfinity) : Tensor.Full(DType.Bool, 1, x.Shape.ToArray());

    // ---- binary: atan2 and mod (primitives), logaddexp (composite) -----------------------------------------

    /// <summary>
    /// The angle of the point (x, y) in (-pi, pi], elementwise with broadcasting. Derivatives x / (x^2 + y^2) in y
    /// and -y / (x^2 + y^2) in x.
    /// </summary>
    public static Tensor Atan2(Tensor y, Tensor x) => Binary(OpCode.Atan2, y, x);

    /// <inheritdoc cref="Atan2(Tensor, Tensor)"/>
    public static Tensor Atan2(Tensor y, double x) => Binary(OpCode.Atan2, y, x);

    /// <inheritdoc cref="Atan2(Tensor, Tensor)"/>
    public static Tensor Atan2(double y, Tensor x) => Binary(OpCode.Atan2, y, x);

    /// <summary>
    /// NumPy's <c>mod</c>: a - floor(a / b) * b, which has the sign of <paramref name="b"/> (mod(-1, 3) = 2,
    /// mod(1, -3) = -2); float and i32. A float b = 0 gives NaN; an i32 b = 0 gives a (XLA's answer). Derivatives,
    /// as JAX: 1 in a and -floor(a / b) in b.
    /// </summary>
    public static Tensor Mod(Tensor a, Tensor b) => Binary(OpCode.Mod, a, b);

    /// <inheritdoc cref="Mod(Tensor, Tensor)"/>
    public static Tensor Mod(Tensor a, double b) => Binary(OpCode.Mod, a, b);

    /// <inheritdoc cref="Mod(Tensor, Tensor)"/>
    public static Tensor Mod(double a, Tensor b) => Binary(OpCode.Mod, a, b);

    /// <inheritdoc cref="Mod(Tensor, Tensor)"/>
    public static Tensor Mod(Tensor a, int b) => Binary(OpCode.Mod, a, b);

    /// <inheritdoc cref="Mod(Tensor, Tensor)"/>
    public static Tensor Mod(int a, Tensor b) => Binary(OpCode.Mod, a, b);

    /// <summary>
    /// log(exp(a) + exp(b)) without overflow: max(a, b) + log1p(exp(-|a - b|)), written as one smooth branch per
    /// side of a = b so that first and second derivatives are exact everywhere, ties included (each operand gets
    /// 1/2 there). Equal infinities give that infinity; NaN propagates.
    /// </summary>
    public static Tensor LogAddExp(Tensor a, Tensor b)
    {
        NotNull(a, "LogAddExp", "a");
        NotNull(b, "LogAddExp", "b");
        if (a.DType != b.DType)
        {
            var t = DTypeExtensions.Promote(a.DType, b.DType);
            (a, b) = (Cast(a, t), Cast(b, t));
        }
        FloatOnly(a, "LogAddExp");
        var d = a - b;
        var nan = IsNan(d);                          // a = b = +-inf, or a NaN operand
        var safe = Where(nan, 0.0, d);
        var aWins = GreaterEqual(safe, 0.0);
        // Each branch sees a finite exponent where it is not chosen, so no inf * 0 leaks into the gradient.
        var whenA = a + Log1p(Exp(Where(aWins, -safe, 0.0)));
        var whenB = b + Log1p(Exp(Where(aWins, 0.0, safe)));
        return Where(nan, a + b, Where(aWins, whenA, whenB));
    }

    /// <inheritdoc cref="LogAddExp(Tensor, Tensor)"/>
    public static Tensor LogAddExp(Tensor a, double b) => LogAddExp(a, Tensor.Full(NotNull(a, "LogAddExp", "a").DType.IsFloat() ? a.DType : DType.Float32, b));

    /// <inheritdoc cref="LogAddExp(Tensor, Tensor)"/>
    public static Tensor LogAddExp(double a, Tensor b) => LogAddExp(Tensor.Full(NotNull(b, "LogAddExp", "b").DType.IsFloat() ? b.DType : DType.Float32, a), b);
}
