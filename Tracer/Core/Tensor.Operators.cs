namespace Tracer;

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
}
