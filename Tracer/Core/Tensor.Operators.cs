namespace Tracer;

/// <remarks>
/// A C# number is weakly typed, as a Python scalar is in JAX: an integer (<c>x * 2</c>) takes the tensor's dtype
/// (bool becomes i32); a floating-point number (<c>x * 2.0</c>, <c>x / 2.5f</c>) takes a float tensor's dtype
/// and makes an integer or bool tensor's result f32, whatever its value, so <c>i / 2.0</c> never truncates.
/// </remarks>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);

    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);

    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);

    public static Tensor operator -(Tensor a) => Ops.Neg(a);

    public static Tensor operator +(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    public static Tensor operator -(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    public static Tensor operator *(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    public static Tensor operator /(Tensor a, double b) => Ops.Binary(Compiler.OpCode.Div, a, b);

    public static Tensor operator +(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    public static Tensor operator -(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    public static Tensor operator *(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    public static Tensor operator /(double a, Tensor b) => Ops.Binary(Compiler.OpCode.Div, a, b);

    public static Tensor operator +(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    public static Tensor operator -(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    public static Tensor operator *(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    public static Tensor operator /(Tensor a, int b) => Ops.Binary(Compiler.OpCode.Div, a, b);

    public static Tensor operator +(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Add, a, b);

    public static Tensor operator -(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Sub, a, b);

    public static Tensor operator *(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Mul, a, b);

    public static Tensor operator /(int a, Tensor b) => Ops.Binary(Compiler.OpCode.Div, a, b);
}
