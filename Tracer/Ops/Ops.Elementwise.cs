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

    /// <summary>
    /// -x elementwise; same shape and dtype as <paramref name="x"/>. Float or i32 (wrapping: -int.MinValue is
    /// int.MinValue). The same as the unary <c>-</c> operator.
    /// </summary>
    public static Tensor Neg(Tensor x) => Unary(OpCode.Neg, x);

    /// <summary>
    /// |x| elementwise; same shape and dtype as <paramref name="x"/>. Float or i32 (wrapping: |int.MinValue| is
    /// int.MinValue). Its derivative is sign(x), so 0 at x = 0.
    /// </summary>
    public static Tensor Abs(Tensor x) => Unary(OpCode.Abs, x);

    /// <summary>
    /// The sign of x elementwise (-1, 0 or 1); same shape and dtype as <paramref name="x"/>. Float or i32; for
    /// floats -0 stays -0 and NaN stays NaN. Piecewise constant: its gradient is zero.
    /// </summary>
    public static Tensor Sign(Tensor x) => Unary(OpCode.Sign, x);

    /// <summary>
    /// e^x elementwise; same shape and dtype as <paramref name="x"/>. Float tensors only (f32 or f64); an i32 or bool
    /// tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first. Overflows to +inf (f32
    /// above about 88.7).
    /// </summary>
    public static Tensor Exp(Tensor x) => Unary(OpCode.Exp, x);

    /// <summary>
    /// The natural logarithm elementwise; same shape and dtype as <paramref name="x"/>. Float tensors only (f32 or
    /// f64); an i32 or bool tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first. log(0)
    /// = -inf and negative x gives NaN, as IEEE says; Log1p is accurate near x = 0.
    /// </summary>
    public static Tensor Log(Tensor x) => Unary(OpCode.Log, x);

    /// <summary>
    /// log(1 + x) elementwise, accurate for tiny x, where <c>Log(1 + x)</c> would round 1 + x to 1; same shape and
    /// dtype as <paramref name="x"/>. Float tensors only (f32 or f64); an i32 or bool tensor is an
    /// <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first.
    /// </summary>
    public static Tensor Log1p(Tensor x) => Unary(OpCode.Log1p, x);

    /// <summary>
    /// exp(x) - 1 elementwise, accurate for tiny x, where <c>Exp(x) - 1</c> would cancel; same shape and dtype as
    /// <paramref name="x"/>. Float tensors only (f32 or f64); an i32 or bool tensor is an
    /// <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first.
    /// </summary>
    public static Tensor Expm1(Tensor x) => Unary(OpCode.Expm1, x);

    /// <summary>
    /// The square root elementwise; same shape and dtype as <paramref name="x"/>. Float tensors only (f32 or f64); an
    /// i32 or bool tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first. Negative x
    /// gives NaN; the derivative 1 / (2 sqrt(x)) is +inf at 0.
    /// </summary>
    public static Tensor Sqrt(Tensor x) => Unary(OpCode.Sqrt, x);

    /// <summary>
    /// 1 / sqrt(x) elementwise as one primitive (normalisation layers use it); same shape and dtype as
    /// <paramref name="x"/>. Float tensors only (f32 or f64); an i32 or bool tensor is an
    /// <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first. +inf at 0, NaN below.
    /// </summary>
    public static Tensor Rsqrt(Tensor x) => Unary(OpCode.Rsqrt, x);

    /// <summary>
    /// The sine (radians) elementwise; same shape and dtype as <paramref name="x"/>. Float tensors only (f32 or f64);
    /// an i32 or bool tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first.
    /// </summary>
    public static Tensor Sin(Tensor x) => Unary(OpCode.Sin, x);

    /// <summary>
    /// The cosine (radians) elementwise; same shape and dtype as <paramref name="x"/>. Float tensors only (f32 or
    /// f64); an i32 or bool tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first.
    /// </summary>
    public static Tensor Cos(Tensor x) => Unary(OpCode.Cos, x);

    /// <summary>
    /// The tangent (radians) elementwise; same shape and dtype as <paramref name="x"/>. Float tensors only (f32 or
    /// f64); an i32 or bool tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c> first. Its
    /// derivative 1 + tan² reuses the output.
    /// </summary>
    public static Tensor Tan(Tensor x) => Unary(OpCode.Tan, x);

    /// <summary>
    /// The hyperbolic tangent elementwise, in [-1, 1]; same shape and dtype as <paramref name="x"/>. Float tensors
    /// only (f32 or f64); an i32 or bool tensor is an <see cref="ArgumentException"/>: <c>Cast(x, DType.Float32)</c>
    /// first. Its derivative 1 - tanh² reuses the output.
    /// </summary>
    public static Tensor Tanh(Tensor x) => Unary(OpCode.Tanh, x);

    /// <summary>The logistic function 1 / (1 + exp(-x)).</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(OpCode.Logistic, x);

    // ---- unary composites ---------------------------------------------------------------------------------

    /// <summary>x · x elementwise (a composite of Multiply, so its gradient is 2x); float or i32.</summary>
    public static Tensor Square(Tensor x) => x * x;

    /// <summary>
    /// max(x, 0). Its derivative at 0 is 0, as in JAX and PyTorch (a plain Maximum would split the tie and give
    /// 1/2); NaN stays NaN.
    /// </summary>
    public static Tensor Relu(Tensor x) => Where(LessEqual(x, 0.0), 0.0, x);

    /// <summary>log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so that it never overflows.</summary>
    public static Tensor Softplus(Tensor x) => Maximum(x, 0.0) + Log1p(Exp(-Abs(x)));

    /// <summary>
    /// Each element of <paramref name="x"/> limited to [<paramref name="lo"/>, <paramref name="hi"/>]: Minimum(Maximum(x, lo), hi), so
    /// the bounds are weakly typed (they take x's float dtype) and the gradient is 1 inside the range, 0 outside and 1/2 at
    /// a bound (the tie rule of Maximum and Minimum). NaN stays NaN.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="lo"/> is greater than <paramref name="hi"/>.</exception>
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

    /// <summary>
    /// a + b elementwise with NumPy broadcasting: the result has the broadcast shape of <paramref name="a"/> and
    /// <paramref name="b"/>, and tensors of different dtypes promote to the wider (bool &lt; i32 &lt; f32 &lt; f64).
    /// Float or i32 (wrapping). The same as the <c>+</c> operator.
    /// </summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary(OpCode.Add, a, b);

    /// <summary>
    /// a - b elementwise with NumPy broadcasting: the result has the broadcast shape of <paramref name="a"/> and
    /// <paramref name="b"/>, and tensors of different dtypes promote to the wider (bool &lt; i32 &lt; f32 &lt; f64).
    /// Float or i32 (wrapping). The same as the <c>-</c> operator.
    /// </summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Binary(OpCode.Sub, a, b);

    /// <summary>
    /// a · b elementwise with NumPy broadcasting: the result has the broadcast shape of <paramref name="a"/> and
    /// <paramref name="b"/>, and tensors of different dtypes promote to the wider (bool &lt; i32 &lt; f32 &lt; f64).
    /// Float or i32 (wrapping). The same as the <c>*</c> operator.
    /// </summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Binary(OpCode.Mul, a, b);

    /// <summary>
    /// a / b elementwise with NumPy broadcasting: the result has the broadcast shape of <paramref name="a"/> and
    /// <paramref name="b"/>, and tensors of different dtypes promote to the wider (bool &lt; i32 &lt; f32 &lt; f64).
    /// Floats follow IEEE (x/0 is ±inf, 0/0 NaN); i32 truncates toward zero, with XLA's results where C# would throw:
    /// x / 0 = -1 and int.MinValue / -1 = int.MinValue. The same as the <c>/</c> operator.
    /// </summary>
    public static Tensor Divide(Tensor a, Tensor b) => Binary(OpCode.Div, a, b);

    /// <summary>
    /// a^b elementwise with NumPy broadcasting and dtype promotion; float only (an i32 result is an
    /// <see cref="ArgumentException"/>). A negative base with a non-integer exponent gives NaN. Gradients follow JAX:
    /// d/da is 0 where b = 0 and d/db is 0 where a = 0, instead of NaN.
    /// </summary>
    public static Tensor Pow(Tensor a, Tensor b) => Binary(OpCode.Pow, a, b);

    /// <summary>
    /// a^b with a weakly typed exponent (it takes <paramref name="a"/>'s float dtype; an i32 <paramref name="a"/>
    /// makes the result f32), e.g. <c>Pow(x, 2.5)</c>. Differentiable in <paramref name="a"/>.
    /// </summary>
    public static Tensor Pow(Tensor a, double b) => Binary(OpCode.Pow, a, b);

    /// <summary>
    /// a^b with a weakly typed base (it takes <paramref name="b"/>'s float dtype), e.g. <c>Pow(2.0, x)</c>.
    /// Differentiable in <paramref name="b"/> (log(a) · a^b).
    /// </summary>
    public static Tensor Pow(double a, Tensor b) => Binary(OpCode.Pow, a, b);

    /// <summary>
    /// The larger of a and b elementwise, with broadcasting and dtype promotion; float or i32. NaN propagates and +0
    /// beats -0 (Math.Max). The gradient follows the larger operand; on a tie each gets half (JAX's rule), so
    /// Maximum(x, x) still has gradient 1.
    /// </summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(OpCode.Max, a, b);

    /// <summary>
    /// Maximum with a weakly typed scalar (it takes <paramref name="a"/>'s float dtype; next to i32 the result is
    /// f32), e.g. <c>Maximum(x, 0.0)</c>.
    /// </summary>
    public static Tensor Maximum(Tensor a, double b) => Binary(OpCode.Max, a, b);

    /// <summary>Maximum with a weakly typed scalar on the left (it takes <paramref name="b"/>'s float dtype).</summary>
    public static Tensor Maximum(double a, Tensor b) => Binary(OpCode.Max, a, b);

    /// <summary>
    /// Maximum with a weakly typed int (it takes <paramref name="a"/>'s dtype, so an i32 tensor stays i32).
    /// </summary>
    public static Tensor Maximum(Tensor a, int b) => Binary(OpCode.Max, a, b);

    /// <summary>Maximum with a weakly typed int on the left (it takes <paramref name="b"/>'s dtype).</summary>
    public static Tensor Maximum(int a, Tensor b) => Binary(OpCode.Max, a, b);

    /// <summary>
    /// The smaller of a and b elementwise, with broadcasting and dtype promotion; float or i32. NaN propagates and -0
    /// beats +0 (Math.Min). The gradient follows the smaller operand; on a tie each gets half.
    /// </summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(OpCode.Min, a, b);

    /// <summary>
    /// Minimum with a weakly typed scalar (it takes <paramref name="a"/>'s float dtype; next to i32 the result is
    /// f32).
    /// </summary>
    public static Tensor Minimum(Tensor a, double b) => Binary(OpCode.Min, a, b);

    /// <summary>Minimum with a weakly typed scalar on the left (it takes <paramref name="b"/>'s float dtype).</summary>
    public static Tensor Minimum(double a, Tensor b) => Binary(OpCode.Min, a, b);

    /// <summary>
    /// Minimum with a weakly typed int (it takes <paramref name="a"/>'s dtype, so an i32 tensor stays i32).
    /// </summary>
    public static Tensor Minimum(Tensor a, int b) => Binary(OpCode.Min, a, b);

    /// <summary>Minimum with a weakly typed int on the left (it takes <paramref name="b"/>'s dtype).</summary>
    public static Tensor Minimum(int a, Tensor b) => Binary(OpCode.Min, a, b);

    // ---- comparisons and selection ------------------------------------------------------------------------

    /// <summary>
    /// a == b elementwise as a bool tensor of the broadcast shape; operands of different dtypes promote first; false
    /// wherever either is NaN. No gradient (the result is bool); use it as the condition of
    /// <see cref="Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    public static Tensor Equal(Tensor a, Tensor b) => Binary(OpCode.Eq, a, b);

    /// <summary>
    /// a == b against a weakly typed C# double (it takes <paramref name="a"/>'s float dtype; next to i32 or bool both
    /// compare as f32).
    /// </summary>
    public static Tensor Equal(Tensor a, double b) => Binary(OpCode.Eq, a, b);

    /// <summary>
    /// a == b with a weakly typed C# double on the left (it takes <paramref name="b"/>'s float dtype).
    /// </summary>
    public static Tensor Equal(double a, Tensor b) => Binary(OpCode.Eq, a, b);

    /// <summary>
    /// a == b against a weakly typed C# int (it takes <paramref name="a"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor Equal(Tensor a, int b) => Binary(OpCode.Eq, a, b);

    /// <summary>
    /// a == b with a weakly typed C# int on the left (it takes <paramref name="b"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor Equal(int a, Tensor b) => Binary(OpCode.Eq, a, b);

    /// <summary>
    /// a != b elementwise as a bool tensor of the broadcast shape; operands of different dtypes promote first; NaN is
    /// unequal to everything, so it is true wherever either is NaN. No gradient (the result is bool); use it as the
    /// condition of <see cref="Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    public static Tensor NotEqual(Tensor a, Tensor b) => Binary(OpCode.Ne, a, b);

    /// <summary>
    /// a != b against a weakly typed C# double (it takes <paramref name="a"/>'s float dtype; next to i32 or bool both
    /// compare as f32).
    /// </summary>
    public static Tensor NotEqual(Tensor a, double b) => Binary(OpCode.Ne, a, b);

    /// <summary>
    /// a != b with a weakly typed C# double on the left (it takes <paramref name="b"/>'s float dtype).
    /// </summary>
    public static Tensor NotEqual(double a, Tensor b) => Binary(OpCode.Ne, a, b);

    /// <summary>
    /// a != b against a weakly typed C# int (it takes <paramref name="a"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor NotEqual(Tensor a, int b) => Binary(OpCode.Ne, a, b);

    /// <summary>
    /// a != b with a weakly typed C# int on the left (it takes <paramref name="b"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor NotEqual(int a, Tensor b) => Binary(OpCode.Ne, a, b);

    /// <summary>
    /// a &lt; b elementwise as a bool tensor of the broadcast shape; operands of different dtypes promote first; false
    /// wherever either is NaN. No gradient (the result is bool); use it as the condition of
    /// <see cref="Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    public static Tensor Less(Tensor a, Tensor b) => Binary(OpCode.Lt, a, b);

    /// <summary>
    /// a &lt; b against a weakly typed C# double (it takes <paramref name="a"/>'s float dtype; next to i32 or bool
    /// both compare as f32).
    /// </summary>
    public static Tensor Less(Tensor a, double b) => Binary(OpCode.Lt, a, b);

    /// <summary>
    /// a &lt; b with a weakly typed C# double on the left (it takes <paramref name="b"/>'s float dtype).
    /// </summary>
    public static Tensor Less(double a, Tensor b) => Binary(OpCode.Lt, a, b);

    /// <summary>
    /// a &lt; b against a weakly typed C# int (it takes <paramref name="a"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor Less(Tensor a, int b) => Binary(OpCode.Lt, a, b);

    /// <summary>
    /// a &lt; b with a weakly typed C# int on the left (it takes <paramref name="b"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor Less(int a, Tensor b) => Binary(OpCode.Lt, a, b);

    /// <summary>
    /// a ≤ b elementwise as a bool tensor of the broadcast shape; operands of different dtypes promote first; false
    /// wherever either is NaN. No gradient (the result is bool); use it as the condition of
    /// <see cref="Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    public static Tensor LessEqual(Tensor a, Tensor b) => Binary(OpCode.Le, a, b);

    /// <summary>
    /// a ≤ b against a weakly typed C# double (it takes <paramref name="a"/>'s float dtype; next to i32 or bool both
    /// compare as f32).
    /// </summary>
    public static Tensor LessEqual(Tensor a, double b) => Binary(OpCode.Le, a, b);

    /// <summary>
    /// a ≤ b with a weakly typed C# double on the left (it takes <paramref name="b"/>'s float dtype).
    /// </summary>
    public static Tensor LessEqual(double a, Tensor b) => Binary(OpCode.Le, a, b);

    /// <summary>
    /// a ≤ b against a weakly typed C# int (it takes <paramref name="a"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor LessEqual(Tensor a, int b) => Binary(OpCode.Le, a, b);

    /// <summary>
    /// a ≤ b with a weakly typed C# int on the left (it takes <paramref name="b"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor LessEqual(int a, Tensor b) => Binary(OpCode.Le, a, b);

    /// <summary>
    /// a &gt; b elementwise as a bool tensor of the broadcast shape; operands of different dtypes promote first; false
    /// wherever either is NaN. No gradient (the result is bool); use it as the condition of
    /// <see cref="Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    public static Tensor Greater(Tensor a, Tensor b) => Binary(OpCode.Gt, a, b);

    /// <summary>
    /// a &gt; b against a weakly typed C# double (it takes <paramref name="a"/>'s float dtype; next to i32 or bool
    /// both compare as f32).
    /// </summary>
    public static Tensor Greater(Tensor a, double b) => Binary(OpCode.Gt, a, b);

    /// <summary>
    /// a &gt; b with a weakly typed C# double on the left (it takes <paramref name="b"/>'s float dtype).
    /// </summary>
    public static Tensor Greater(double a, Tensor b) => Binary(OpCode.Gt, a, b);

    /// <summary>
    /// a &gt; b against a weakly typed C# int (it takes <paramref name="a"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor Greater(Tensor a, int b) => Binary(OpCode.Gt, a, b);

    /// <summary>
    /// a &gt; b with a weakly typed C# int on the left (it takes <paramref name="b"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor Greater(int a, Tensor b) => Binary(OpCode.Gt, a, b);

    /// <summary>
    /// a ≥ b elementwise as a bool tensor of the broadcast shape; operands of different dtypes promote first; false
    /// wherever either is NaN. No gradient (the result is bool); use it as the condition of
    /// <see cref="Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Binary(OpCode.Ge, a, b);

    /// <summary>
    /// a ≥ b against a weakly typed C# double (it takes <paramref name="a"/>'s float dtype; next to i32 or bool both
    /// compare as f32).
    /// </summary>
    public static Tensor GreaterEqual(Tensor a, double b) => Binary(OpCode.Ge, a, b);

    /// <summary>
    /// a ≥ b with a weakly typed C# double on the left (it takes <paramref name="b"/>'s float dtype).
    /// </summary>
    public static Tensor GreaterEqual(double a, Tensor b) => Binary(OpCode.Ge, a, b);

    /// <summary>
    /// a ≥ b against a weakly typed C# int (it takes <paramref name="a"/>'s dtype, i32 next to bool).
    /// </summary>
    public static Tensor GreaterEqual(Tensor a, int b) => Binary(OpCode.Ge, a, b);

    /// <summary>
    /// a ≥ b with a weakly typed C# int on the left (it takes <paramref name="b"/>'s dtype, i32 next to bool).
    /// </summary>
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

    /// <see cref="Where(Tensor, Tensor, Tensor)"/> with a weakly typed scalar for the false branch (it takes <paramref name="a"/>'s float dtype), e.g. <c>Where(mask, x, 0.0)</c>.
    public static Tensor Where(Tensor condition, Tensor a, double b) => Where(condition, a, Weak(b, NotNull(a, "Where", "a")));

    /// <see cref="Where(Tensor, Tensor, Tensor)"/> with a weakly typed scalar for the true branch (it takes <paramref name="b"/>'s float dtype).
    public static Tensor Where(Tensor condition, double a, Tensor b) => Where(condition, Weak(a, NotNull(b, "Where", "b")), b);

    /// <see cref="Where(Tensor, Tensor, Tensor)"/> with a weakly typed int for the false branch (it takes <paramref name="a"/>'s dtype).
    public static Tensor Where(Tensor condition, Tensor a, int b) => Where(condition, a, Weak(b, NotNull(a, "Where", "a")));

    /// <see cref="Where(Tensor, Tensor, Tensor)"/> with a weakly typed int for the true branch (it takes <paramref name="b"/>'s dtype).
    public static Tensor Where(Tensor condition, int a, Tensor b) => Where(condition, Weak(a, NotNull(b, "Where", "b")), b);

    // ---- casts --------------------------------------------------------------------------------------------

    /// <summary>
    /// <paramref name="x"/> converted to <paramref name="dtype"/> (the same tensor when it already has it). Float to i32 truncates
    /// toward zero, saturating at the int range (NaN gives 0); anything to bool is "non-zero"; f64 to f32 rounds to
    /// nearest. Gradients flow between float dtypes only: a cast to or from i32 or bool has none.
    /// </summary>
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
