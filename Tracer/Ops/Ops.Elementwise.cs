using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// The operations on tensors. Use with <c>using static Tracer.Ops;</c>. Every operation runs eagerly on concrete
/// tensors and records an equation when traced. NumPy broadcasting applies to every binary operation; a C# number
/// takes the dtype of the tensor it meets (weak typing); tensors of different dtypes promote (f32 + f64 -> f64).
/// </summary>
public static partial class Ops
{
    // ---- unary primitives ---------------------------------------------------------------------------------

    /// <summary>Elementwise -x.</summary>
    public static Tensor Neg(Tensor x) => Unary(OpCode.Neg, x);

    /// <summary>Elementwise |x|.</summary>
    public static Tensor Abs(Tensor x) => Unary(OpCode.Abs, x);

    /// <summary>Elementwise the sign of x: -1, 0 or 1.</summary>
    public static Tensor Sign(Tensor x) => Unary(OpCode.Sign, x);

    /// <summary>Elementwise e to the power x.</summary>
    public static Tensor Exp(Tensor x) => Unary(OpCode.Exp, x);

    /// <summary>Elementwise the natural logarithm.</summary>
    public static Tensor Log(Tensor x) => Unary(OpCode.Log, x);

    /// <summary>Elementwise log(1 + x), accurate for small x.</summary>
    public static Tensor Log1p(Tensor x) => Unary(OpCode.Log1p, x);

    /// <summary>Elementwise exp(x) - 1, accurate for small x.</summary>
    public static Tensor Expm1(Tensor x) => Unary(OpCode.Expm1, x);

    /// <summary>Elementwise the square root.</summary>
    public static Tensor Sqrt(Tensor x) => Unary(OpCode.Sqrt, x);

    /// <summary>Elementwise 1 / sqrt(x).</summary>
    public static Tensor Rsqrt(Tensor x) => Unary(OpCode.Rsqrt, x);

    /// <summary>Elementwise the sine.</summary>
    public static Tensor Sin(Tensor x) => Unary(OpCode.Sin, x);

    /// <summary>Elementwise the cosine.</summary>
    public static Tensor Cos(Tensor x) => Unary(OpCode.Cos, x);

    /// <summary>Elementwise the tangent.</summary>
    public static Tensor Tan(Tensor x) => Unary(OpCode.Tan, x);

    /// <summary>Elementwise the hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => Unary(OpCode.Tanh, x);

    /// <summary>The logistic function 1 / (1 + exp(-x)).</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(OpCode.Logistic, x);

    // ---- unary composites ---------------------------------------------------------------------------------

    /// <summary>Elementwise x * x.</summary>
    public static Tensor Square(Tensor x) => x * x;

    /// <summary>Elementwise max(x, 0).</summary>
    public static Tensor Relu(Tensor x) => Maximum(x, 0.0);

    /// <summary>log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so that it never overflows.</summary>
    public static Tensor Softplus(Tensor x) => Maximum(x, 0.0) + Log1p(Exp(-Abs(x)));

    /// <summary>Elementwise x limited to [<paramref name="lo"/>, <paramref name="hi"/>].</summary>
    public static Tensor Clamp(Tensor x, double lo, double hi)
    {
        if (lo > hi) throw new ArgumentException($"Clamp: lo ({lo}) must not exceed hi ({hi})");
        return Minimum(Maximum(x, lo), hi);
    }

    // ---- binary primitives --------------------------------------------------------------------------------

    /// <summary>The elementwise sum with broadcasting (the same as the operator).</summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary(OpCode.Add, a, b);

    /// <summary>The elementwise difference with broadcasting (the same as the operator).</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Binary(OpCode.Sub, a, b);

    /// <summary>The elementwise product with broadcasting (the same as the operator).</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Binary(OpCode.Mul, a, b);

    /// <summary>The elementwise quotient with broadcasting (the same as the operator).</summary>
    public static Tensor Divide(Tensor a, Tensor b) => Binary(OpCode.Div, a, b);

    /// <summary>Elementwise a to the power b with broadcasting.</summary>
    public static Tensor Pow(Tensor a, Tensor b) => Binary(OpCode.Pow, a, b);

    /// <summary>Elementwise a to the power b with a weakly typed number as b.</summary>
    public static Tensor Pow(Tensor a, double b) => Binary(OpCode.Pow, a, b);

    /// <summary>Elementwise a to the power b with a weakly typed number as a.</summary>
    public static Tensor Pow(double a, Tensor b) => Binary(OpCode.Pow, a, b);

    /// <summary>Elementwise max(a, b) with broadcasting.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(OpCode.Max, a, b);

    /// <summary>Elementwise max(a, b) with a weakly typed number as b.</summary>
    public static Tensor Maximum(Tensor a, double b) => Binary(OpCode.Max, a, b);

    /// <summary>Elementwise max(a, b) with a weakly typed number as a.</summary>
    public static Tensor Maximum(double a, Tensor b) => Binary(OpCode.Max, a, b);

    /// <summary>Elementwise min(a, b) with broadcasting.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(OpCode.Min, a, b);

    /// <summary>Elementwise min(a, b) with a weakly typed number as b.</summary>
    public static Tensor Minimum(Tensor a, double b) => Binary(OpCode.Min, a, b);

    /// <summary>Elementwise min(a, b) with a weakly typed number as a.</summary>
    public static Tensor Minimum(double a, Tensor b) => Binary(OpCode.Min, a, b);

    // ---- comparisons and selection ------------------------------------------------------------------------

    /// <summary>Elementwise a == b (bool) with broadcasting.</summary>
    public static Tensor Equal(Tensor a, Tensor b) => Binary(OpCode.Eq, a, b);

    /// <summary>Elementwise a == b (bool) with a weakly typed number as b.</summary>
    public static Tensor Equal(Tensor a, double b) => Binary(OpCode.Eq, a, b);

    /// <summary>Elementwise a == b (bool) with a weakly typed number as a.</summary>
    public static Tensor Equal(double a, Tensor b) => Binary(OpCode.Eq, a, b);

    /// <summary>Elementwise a != b (bool) with broadcasting.</summary>
    public static Tensor NotEqual(Tensor a, Tensor b) => Binary(OpCode.Ne, a, b);

    /// <summary>Elementwise a != b (bool) with a weakly typed number as b.</summary>
    public static Tensor NotEqual(Tensor a, double b) => Binary(OpCode.Ne, a, b);

    /// <summary>Elementwise a != b (bool) with a weakly typed number as a.</summary>
    public static Tensor NotEqual(double a, Tensor b) => Binary(OpCode.Ne, a, b);

    /// <summary>Elementwise a &lt; b (bool) with broadcasting.</summary>
    public static Tensor Less(Tensor a, Tensor b) => Binary(OpCode.Lt, a, b);

    /// <summary>Elementwise a &lt; b (bool) with a weakly typed number as b.</summary>
    public static Tensor Less(Tensor a, double b) => Binary(OpCode.Lt, a, b);

    /// <summary>Elementwise a &lt; b (bool) with a weakly typed number as a.</summary>
    public static Tensor Less(double a, Tensor b) => Binary(OpCode.Lt, a, b);

    /// <summary>Elementwise a &lt;= b (bool) with broadcasting.</summary>
    public static Tensor LessEqual(Tensor a, Tensor b) => Binary(OpCode.Le, a, b);

    /// <summary>Elementwise a &lt;= b (bool) with a weakly typed number as b.</summary>
    public static Tensor LessEqual(Tensor a, double b) => Binary(OpCode.Le, a, b);

    /// <summary>Elementwise a &lt;= b (bool) with a weakly typed number as a.</summary>
    public static Tensor LessEqual(double a, Tensor b) => Binary(OpCode.Le, a, b);

    /// <summary>Elementwise a &gt; b (bool) with broadcasting.</summary>
    public static Tensor Greater(Tensor a, Tensor b) => Binary(OpCode.Gt, a, b);

    /// <summary>Elementwise a &gt; b (bool) with a weakly typed number as b.</summary>
    public static Tensor Greater(Tensor a, double b) => Binary(OpCode.Gt, a, b);

    /// <summary>Elementwise a &gt; b (bool) with a weakly typed number as a.</summary>
    public static Tensor Greater(double a, Tensor b) => Binary(OpCode.Gt, a, b);

    /// <summary>Elementwise a &gt;= b (bool) with broadcasting.</summary>
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Binary(OpCode.Ge, a, b);

    /// <summary>Elementwise a &gt;= b (bool) with a weakly typed number as b.</summary>
    public static Tensor GreaterEqual(Tensor a, double b) => Binary(OpCode.Ge, a, b);

    /// <summary>Elementwise a &gt;= b (bool) with a weakly typed number as a.</summary>
    public static Tensor GreaterEqual(double a, Tensor b) => Binary(OpCode.Ge, a, b);

    /// <summary><paramref name="a"/> where <paramref name="condition"/> (bool) is true, else <paramref name="b"/>; broadcasting all three.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        if (condition.DType != DType.Bool)
        {
            throw new ArgumentException(
                $"Where: the condition must be a bool tensor, got {condition.Type}; build it with a comparison such as Greater(x, 0.0)");
        }
        (a, b) = Promote(a, b);
        return Dispatch.Apply(OpCode.Select, Attrs.None, condition, a, b);
    }

    /// <summary>Elementwise a where <paramref name="condition"/> is true, else the number b.</summary>
    public static Tensor Where(Tensor condition, Tensor a, double b) => Where(condition, a, Weak(b, a));

    /// <summary>Elementwise the number a where <paramref name="condition"/> is true, else b.</summary>
    public static Tensor Where(Tensor condition, double a, Tensor b) => Where(condition, Weak(a, b), b);

    // ---- casts --------------------------------------------------------------------------------------------

    /// <summary>Converts to <paramref name="dtype"/> (float to integer truncates toward zero).</summary>
    public static Tensor Cast(Tensor x, DType dtype) =>
        x.DType == dtype ? x : Dispatch.Apply(OpCode.Cast, new Attrs { DType = dtype }, x);

    /// <summary>The identity whose gradient is zero: nothing flows back through it.</summary>
    public static Tensor StopGradient(Tensor x) => Dispatch.Apply(OpCode.StopGradient, Attrs.None, x);

    // ---- helpers ------------------------------------------------------------------------------------------

    private static Tensor Unary(OpCode op, Tensor x) => Dispatch.Apply(op, Attrs.None, x);

    internal static Tensor Binary(OpCode op, Tensor a, Tensor b)
    {
        (a, b) = Promote(a, b);
        return Dispatch.Apply(op, Attrs.None, a, b);
    }

    internal static Tensor Binary(OpCode op, Tensor a, double b) => Binary(op, a, Weak(b, a));

    internal static Tensor Binary(OpCode op, double a, Tensor b) => Binary(op, Weak(a, b), b);

    /// <summary>Tensors of different dtypes promote to the wider one (bool &lt; i32 &lt; f32 &lt; f64).</summary>
    private static (Tensor, Tensor) Promote(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType == b.DType) return (a, b);
        var t = DTypeExtensions.Promote(a.DType, b.DType);
        return (Cast(a, t), Cast(b, t));
    }

    /// <summary>
    /// A C# number as a scalar of <paramref name="like"/>'s dtype (weak typing), except that a non-integral number
    /// meeting an integer or bool tensor makes the result f32, as in JAX.
    /// </summary>
    private static Tensor Weak(double value, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        var dtype = like.DType;
        if (!dtype.IsFloat() && value != Math.Floor(value)) dtype = DType.Float32;
        else if (dtype == DType.Bool && value is not (0 or 1)) dtype = DType.Int32;
        return Tensor.Full(dtype, value);
    }
}
