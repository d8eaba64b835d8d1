using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// The operations on tensors. Use with <c>using static Tracer.Ops;</c>. Every operation runs eagerly on concrete
/// tensors and records an equation when traced. NumPy broadcasting applies to every binary operation; a C# number
/// is weakly typed as in JAX: an <c>int</c> takes the dtype of the tensor it meets (bool becomes i32), a
/// <c>double</c> takes a float tensor's dtype and makes an integer or bool operand f32. Tensors of different dtypes
/// promote (f32 + f64 -> f64).
/// </summary>
public static partial class Ops
{
    // ---- unary primitives ---------------------------------------------------------------------------------

    public static Tensor Neg(Tensor x) => Unary(OpCode.Neg, x);

    public static Tensor Abs(Tensor x) => Unary(OpCode.Abs, x);

    public static Tensor Sign(Tensor x) => Unary(OpCode.Sign, x);

    public static Tensor Exp(Tensor x) => Unary(OpCode.Exp, x);

    public static Tensor Log(Tensor x) => Unary(OpCode.Log, x);

    public static Tensor Log1p(Tensor x) => Unary(OpCode.Log1p, x);

    public static Tensor Expm1(Tensor x) => Unary(OpCode.Expm1, x);

    public static Tensor Sqrt(Tensor x) => Unary(OpCode.Sqrt, x);

    public static Tensor Rsqrt(Tensor x) => Unary(OpCode.Rsqrt, x);

    public static Tensor Sin(Tensor x) => Unary(OpCode.Sin, x);

    public static Tensor Cos(Tensor x) => Unary(OpCode.Cos, x);

    public static Tensor Tan(Tensor x) => Unary(OpCode.Tan, x);

    public static Tensor Tanh(Tensor x) => Unary(OpCode.Tanh, x);

    /// <summary>The logistic function 1 / (1 + exp(-x)).</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(OpCode.Logistic, x);

    // ---- unary composites ---------------------------------------------------------------------------------

    public static Tensor Square(Tensor x) => x * x;

    /// <summary>
    /// max(x, 0). Its derivative at 0 is 0, as in JAX and PyTorch (a plain Maximum would split the tie and give
    /// 1/2); NaN stays NaN.
    /// </summary>
    public static Tensor Relu(Tensor x) => Where(LessEqual(x, 0.0), 0.0, x);

    /// <summary>log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so that it never overflows.</summary>
    public static Tensor Softplus(Tensor x) => Maximum(x, 0.0) + Log1p(Exp(-Abs(x)));

    public static Tensor Clamp(Tensor x, double lo, double hi)
    {
        if (lo > hi) throw new ArgumentException($"Clamp: lo ({lo}) must not exceed hi ({hi})");
        return Minimum(Maximum(x, lo), hi);
    }

    /// <summary>Integer bounds keep an i32 tensor i32 (weak typing); see <see cref="Clamp(Tensor, double, double)"/>.</summary>
    public static Tensor Clamp(Tensor x, int lo, int hi)
    {
        if (lo > hi) throw new ArgumentException($"Clamp: lo ({lo}) must not exceed hi ({hi})");
        return Minimum(Maximum(x, lo), hi);
    }

    // ---- binary primitives --------------------------------------------------------------------------------

    public static Tensor Add(Tensor a, Tensor b) => Binary(OpCode.Add, a, b);

    public static Tensor Subtract(Tensor a, Tensor b) => Binary(OpCode.Sub, a, b);

    public static Tensor Multiply(Tensor a, Tensor b) => Binary(OpCode.Mul, a, b);

    public static Tensor Divide(Tensor a, Tensor b) => Binary(OpCode.Div, a, b);

    public static Tensor Pow(Tensor a, Tensor b) => Binary(OpCode.Pow, a, b);

    public static Tensor Pow(Tensor a, double b) => Binary(OpCode.Pow, a, b);

    public static Tensor Pow(double a, Tensor b) => Binary(OpCode.Pow, a, b);

    public static Tensor Maximum(Tensor a, Tensor b) => Binary(OpCode.Max, a, b);

    public static Tensor Maximum(Tensor a, double b) => Binary(OpCode.Max, a, b);

    public static Tensor Maximum(double a, Tensor b) => Binary(OpCode.Max, a, b);

    public static Tensor Maximum(Tensor a, int b) => Binary(OpCode.Max, a, b);

    public static Tensor Maximum(int a, Tensor b) => Binary(OpCode.Max, a, b);

    public static Tensor Minimum(Tensor a, Tensor b) => Binary(OpCode.Min, a, b);

    public static Tensor Minimum(Tensor a, double b) => Binary(OpCode.Min, a, b);

    public static Tensor Minimum(double a, Tensor b) => Binary(OpCode.Min, a, b);

    public static Tensor Minimum(Tensor a, int b) => Binary(OpCode.Min, a, b);

    public static Tensor Minimum(int a, Tensor b) => Binary(OpCode.Min, a, b);

    // ---- comparisons and selection ------------------------------------------------------------------------

    public static Tensor Equal(Tensor a, Tensor b) => Binary(OpCode.Eq, a, b);

    public static Tensor Equal(Tensor a, double b) => Binary(OpCode.Eq, a, b);

    public static Tensor Equal(double a, Tensor b) => Binary(OpCode.Eq, a, b);

    public static Tensor Equal(Tensor a, int b) => Binary(OpCode.Eq, a, b);

    public static Tensor Equal(int a, Tensor b) => Binary(OpCode.Eq, a, b);

    public static Tensor NotEqual(Tensor a, Tensor b) => Binary(OpCode.Ne, a, b);

    public static Tensor NotEqual(Tensor a, double b) => Binary(OpCode.Ne, a, b);

    public static Tensor NotEqual(double a, Tensor b) => Binary(OpCode.Ne, a, b);

    public static Tensor NotEqual(Tensor a, int b) => Binary(OpCode.Ne, a, b);

    public static Tensor NotEqual(int a, Tensor b) => Binary(OpCode.Ne, a, b);

    public static Tensor Less(Tensor a, Tensor b) => Binary(OpCode.Lt, a, b);

    public static Tensor Less(Tensor a, double b) => Binary(OpCode.Lt, a, b);

    public static Tensor Less(double a, Tensor b) => Binary(OpCode.Lt, a, b);

    public static Tensor Less(Tensor a, int b) => Binary(OpCode.Lt, a, b);

    public static Tensor Less(int a, Tensor b) => Binary(OpCode.Lt, a, b);

    public static Tensor LessEqual(Tensor a, Tensor b) => Binary(OpCode.Le, a, b);

    public static Tensor LessEqual(Tensor a, double b) => Binary(OpCode.Le, a, b);

    public static Tensor LessEqual(double a, Tensor b) => Binary(OpCode.Le, a, b);

    public static Tensor LessEqual(Tensor a, int b) => Binary(OpCode.Le, a, b);

    public static Tensor LessEqual(int a, Tensor b) => Binary(OpCode.Le, a, b);

    public static Tensor Greater(Tensor a, Tensor b) => Binary(OpCode.Gt, a, b);

    public static Tensor Greater(Tensor a, double b) => Binary(OpCode.Gt, a, b);

    public static Tensor Greater(double a, Tensor b) => Binary(OpCode.Gt, a, b);

    public static Tensor Greater(Tensor a, int b) => Binary(OpCode.Gt, a, b);

    public static Tensor Greater(int a, Tensor b) => Binary(OpCode.Gt, a, b);

    public static Tensor GreaterEqual(Tensor a, Tensor b) => Binary(OpCode.Ge, a, b);

    public static Tensor GreaterEqual(Tensor a, double b) => Binary(OpCode.Ge, a, b);

    public static Tensor GreaterEqual(double a, Tensor b) => Binary(OpCode.Ge, a, b);

    public static Tensor GreaterEqual(Tensor a, int b) => Binary(OpCode.Ge, a, b);

    public static Tensor GreaterEqual(int a, Tensor b) => Binary(OpCode.Ge, a, b);

    /// <summary><paramref name="a"/> where <paramref name="condition"/> (bool) is true, else <paramref name="b"/>; broadcasting all three.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        NotNull(condition, "Where", "condition");
        NotNull(a, "Where", "a");
        NotNull(b, "Where", "b");
        if (condition.DType != DType.Bool)
        {
            throw new ArgumentException(
                $"Where: the condition must be a bool tensor, got {condition.Type}; build it with a comparison such as Greater(x, 0.0)");
        }
        (a, b) = Promote(a, b);
        return Dispatch.Apply(OpCode.Select, Attrs.None, condition, a, b);
    }

    public static Tensor Where(Tensor condition, Tensor a, double b) => Where(condition, a, Weak(b, NotNull(a, "Where", "a")));

    public static Tensor Where(Tensor condition, double a, Tensor b) => Where(condition, Weak(a, NotNull(b, "Where", "b")), b);

    public static Tensor Where(Tensor condition, Tensor a, int b) => Where(condition, a, Weak(b, NotNull(a, "Where", "a")));

    public static Tensor Where(Tensor condition, int a, Tensor b) => Where(condition, Weak(a, NotNull(b, "Where", "b")), b);

    // ---- casts --------------------------------------------------------------------------------------------

    public static Tensor Cast(Tensor x, DType dtype) =>
        NotNull(x, "Cast").DType == dtype ? x : Dispatch.Apply(OpCode.Cast, new Attrs { DType = dtype }, x);

    /// <summary>The identity whose gradient is zero: nothing flows back through it.</summary>
    public static Tensor StopGradient(Tensor x) => Dispatch.Apply(OpCode.StopGradient, Attrs.None, NotNull(x, "StopGradient"));

    // ---- helpers ------------------------------------------------------------------------------------------

    private static Tensor Unary(OpCode op, Tensor x) => Dispatch.Apply(op, Attrs.None, NotNull(x, op.Name()));

    internal static Tensor Binary(OpCode op, Tensor a, Tensor b)
    {
        NotNull(a, op.Name(), "a");
        NotNull(b, op.Name(), "b");
        (a, b) = Promote(a, b);
        return Dispatch.Apply(op, Attrs.None, a, b);
    }

    internal static Tensor Binary(OpCode op, Tensor a, double b) => Binary(op, a, Weak(b, NotNull(a, op.Name(), "a")));

    internal static Tensor Binary(OpCode op, double a, Tensor b) => Binary(op, Weak(a, NotNull(b, op.Name(), "b")), b);

    internal static Tensor Binary(OpCode op, Tensor a, int b) => Binary(op, a, Weak(b, NotNull(a, op.Name(), "a")));

    internal static Tensor Binary(OpCode op, int a, Tensor b) => Binary(op, Weak(a, NotNull(b, op.Name(), "b")), b);

    /// <summary>
    /// <paramref name="x"/>, or an <see cref="ArgumentNullException"/> whose message names the operation and the
    /// argument (a bare NullReferenceException from deep inside would name neither).
    /// </summary>
    internal static Tensor NotNull(Tensor? x, string op, string name = "x") =>
        x ?? throw new ArgumentNullException(name, $"{op}: the tensor argument '{name}' is null; pass a Tensor");

    /// <summary>Like <see cref="NotNull(Tensor?, string, string)"/> for an array argument (shape, axes, starts...).</summary>
    internal static T[] NotNull<T>(T[]? xs, string op, string name) =>
        xs ?? throw new ArgumentNullException(name, $"{op}: the argument '{name}' is null; pass an array");

    /// <summary>Every element of a tensor list, with its position in the message when one is null.</summary>
    internal static Tensor[] NoNullElements(Tensor[]? xs, string op, string name = "xs")
    {
        NotNull(xs, op, name);
        for (int i = 0; i < xs!.Length; i++)
        {
            if (xs[i] is null)
                throw new ArgumentNullException(name, $"{op}: element {i} of '{name}' is null; pass {xs.Length} tensors");
        }
        return xs;
    }

    /// <summary>Tensors of different dtypes promote to the wider one (bool &lt; i32 &lt; f32 &lt; f64).</summary>
    private static (Tensor, Tensor) Promote(Tensor a, Tensor b)
    {
        if (a.DType == b.DType) return (a, b);
        var t = DTypeExtensions.Promote(a.DType, b.DType);
        return (Cast(a, t), Cast(b, t));
    }

    /// <summary>
    /// A C# floating-point number as a weakly typed scalar (JAX's rule for Python floats): it takes a float
    /// tensor's dtype; next to an integer or bool tensor it is f32, whatever its value, so the operation is done
    /// in f32 (<c>i / 2.0</c> divides, it does not truncate).
    /// </summary>
    private static Tensor Weak(double value, Tensor like)
    {
        var dtype = like.DType.IsFloat() ? like.DType : DType.Float32;
        // A traced double or float argument of a jitted function: its symbolic input, with the same weak typing.
        if (TracedScalars.Find(value) is { } traced) return Cast(traced, dtype);
        return Tensor.Full(dtype, value);
    }

    /// <summary>A C# integer as a weakly typed scalar: the tensor's dtype, i32 next to a bool tensor (JAX's rule for Python ints).</summary>
    private static Tensor Weak(int value, Tensor like)
    {
        return Tensor.Full(like.DType == DType.Bool ? DType.Int32 : like.DType, value);
    }
}
