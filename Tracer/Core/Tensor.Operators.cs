namespace Tracer;

/// <remarks>
/// A C# number is weakly typed, as a Python scalar is in JAX: an integer (<c>x * 2</c>) takes the tensor's dtype
/// (bool becomes i32); a floating-point number (<c>x * 2.0</c>, <c>x / 2.5f</c>) takes a float tensor's dtype
/// and makes an integer or bool tensor's result f32, whatever its value, so <c>i / 2.0</c> never truncates.
/// </remarks>
public sealed partial class Tensor
{
    /// <summary>The elementwise sum with broadcasting; float dtypes promote (f32 and f64 give f64).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <summary>The elementwise difference with broadcasting; float dtypes promote (f32 and f64 give f64).</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);

    /// <summary>The elementwise product with broadcasting; float dtypes promote (f32 and f64 give f64).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);

    /// <summary>The elementwise quotient with broadcasting; float dtypes promote (f32 and f64 give f64).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);

    /// <summary>The elementwise negation.</summary>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);

    /// <summary>The elementwise sum with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator +(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    /// <summary>The elementwise difference with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator -(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    /// <summary>The elementwise product with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator *(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    /// <summary>The elementwise quotient with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator /(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Div, a, b);

    /// <summary>The elementwise sum with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator +(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    /// <summary>The elementwise difference with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator -(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    /// <summary>The elementwise product with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator *(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    /// <summary>The elementwise quotient with a weakly typed number, which takes the tensor's dtype.</summary>
    public static Tensor operator /(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Div, a, b);

    /// <summary>
    /// The elementwise sum with a weakly typed int, which takes the tensor's dtype (so an i32 tensor stays i32, and
    /// bool becomes i32).
    /// </summary>
    public static Tensor operator +(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    /// <summary>
    /// The elementwise difference with a weakly typed int, which takes the tensor's dtype (so an i32 tensor stays
    /// i32, and bool becomes i32).
    /// </summary>
    public static Tensor operator -(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    /// <summary>
    /// The elementwise product with a weakly typed int, which takes the tensor's dtype (so an i32 tensor stays i32,
    /// and bool becomes i32).
    /// </summary>
    public static Tensor operator *(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    /// <summary>
    /// The elementwise quotient with a weakly typed int, which takes the tensor's dtype (so an i32 tensor stays i32,
    /// and bool becomes i32) (for an i32 tensor, integer division truncating toward zero; write <c>x / 2.0</c> for a
    /// float result).
    /// </summary>
    public static Tensor operator /(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Div, a, b);

    /// <summary>
    /// The elementwise sum with a weakly typed int on the left, which takes the tensor's dtype (bool becomes i32).
    /// </summary>
    public static Tensor operator +(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    /// <summary>
    /// The elementwise difference with a weakly typed int on the left, which takes the tensor's dtype (bool becomes
    /// i32).
    /// </summary>
    public static Tensor operator -(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    /// <summary>
    /// The elementwise product with a weakly typed int on the left, which takes the tensor's dtype (bool becomes
    /// i32).
    /// </summary>
    public static Tensor operator *(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    /// <summary>
    /// The elementwise quotient with a weakly typed int on the left, which takes the tensor's dtype (bool becomes
    /// i32) (for an i32 tensor, integer division truncating toward zero; write <c>x / 2.0</c> for a float result).
    /// </summary>
    public static Tensor operator /(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Div, a, b);
}
