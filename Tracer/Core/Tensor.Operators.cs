namespace Tracer;

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
}
