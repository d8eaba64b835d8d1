using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    // ---- logical operations on bool tensors ---------------------------------------------------------------
    // They are the and/or/xor/not primitives at dtype bool (as in XLA, where logical and bitwise ops are one op).

    /// <summary>Elementwise logical and of two bool tensors, with broadcasting.</summary>
    public static Tensor LogicalAnd(Tensor a, Tensor b) => Logical(OpCode.BitwiseAnd, "LogicalAnd", a, b);

    /// <summary>Elementwise logical or of two bool tensors, with broadcasting.</summary>
    public static Tensor LogicalOr(Tensor a, Tensor b) => Logical(OpCode.BitwiseOr, "LogicalOr", a, b);

    /// <summary>Elementwise logical exclusive or of two bool tensors, with broadcasting.</summary>
    public static Tensor LogicalXor(Tensor a, Tensor b) => Logical(OpCode.BitwiseXor, "LogicalXor", a, b);

    /// <summary>Elementwise logical negation of a bool tensor.</summary>
    public static Tensor LogicalNot(Tensor x)
    {
        RequireDType(x, DType.Bool, "LogicalNot", "x");
        return Dispatch.Apply(OpCode.BitwiseNot, Attrs.None, x);
    }

    // ---- bitwise operations on i32 tensors ----------------------------------------------------------------

    /// <summary>Elementwise bitwise and of i32 tensors (two's complement), with broadcasting.</summary>
    public static Tensor BitwiseAnd(Tensor a, Tensor b) => Bitwise(OpCode.BitwiseAnd, "BitwiseAnd", a, b);

    /// <summary>Elementwise bitwise and of an i32 tensor and a number.</summary>
    public static Tensor BitwiseAnd(Tensor a, int b) => BitwiseAnd(a, IntLike(b, a, "BitwiseAnd"));

    /// <summary>Elementwise bitwise or of i32 tensors, with broadcasting.</summary>
    public static Tensor BitwiseOr(Tensor a, Tensor b) => Bitwise(OpCode.BitwiseOr, "BitwiseOr", a, b);

    /// <summary>Elementwise bitwise or of an i32 tensor and a number.</summary>
    public static Tensor BitwiseOr(Tensor a, int b) => BitwiseOr(a, IntLike(b, a, "BitwiseOr"));

    /// <summary>Elementwise bitwise exclusive or of i32 tensors, with broadcasting.</summary>
    public static Tensor BitwiseXor(Tensor a, Tensor b) => Bitwise(OpCode.BitwiseXor, "BitwiseXor", a, b);

    /// <summary>Elementwise bitwise exclusive or of an i32 tensor and a number.</summary>
    public static Tensor BitwiseXor(Tensor a, int b) => BitwiseXor(a, IntLike(b, a, "BitwiseXor"));

    /// <summary>Elementwise bitwise complement (<c>~x</c>) of an i32 tensor.</summary>
    public static Tensor BitwiseNot(Tensor x)
    {
        RequireDType(x, DType.Int32, "BitwiseNot", "x");
        return Dispatch.Apply(OpCode.BitwiseNot, Attrs.None, x);
    }

    /// <summary>
    /// Elementwise <c>a &lt;&lt; b</c> of i32 tensors with broadcasting; bits shifted out are lost (wrapping, as XLA),
    /// and an amount outside [0, 32) gives 0.
    /// </summary>
    public static Tensor ShiftLeft(Tensor a, Tensor b) => Bitwise(OpCode.ShiftLeft, "ShiftLeft", a, b);

    /// <summary>Elementwise <c>a &lt;&lt; b</c> by a constant amount (0 when it is outside [0, 32)).</summary>
    public static Tensor ShiftLeft(Tensor a, int b) => ShiftLeft(a, IntLike(b, a, "ShiftLeft"));

    /// <summary>
    /// Elementwise zero-filling right shift <c>a &gt;&gt;&gt; b</c> of i32 tensors with broadcasting (the bits are read
    /// as unsigned); an amount outside [0, 32) gives 0.
    /// </summary>
    public static Tensor ShiftRightLogical(Tensor a, Tensor b) => Bitwise(OpCode.ShiftRightLogical, "ShiftRightLogical", a, b);

    /// <summary>Elementwise <c>a &gt;&gt;&gt; b</c> by a constant amount (0 when it is outside [0, 32)).</summary>
    public static Tensor ShiftRightLogical(Tensor a, int b) => ShiftRightLogical(a, IntLike(b, a, "ShiftRightLogical"));

    // ---- helpers ------------------------------------------------------------------------------------------

    private static Tensor Logical(OpCode op, string name, Tensor a, Tensor b)
    {
        RequireDType(a, DType.Bool, name, "a");
        RequireDType(b, DType.Bool, name, "b");
        return Dispatch.Apply(op, Attrs.None, a, b);
    }

    private static Tensor Bitwise(OpCode op, string name, Tensor a, Tensor b)
    {
        RequireDType(a, DType.Int32, name, "a");
        RequireDType(b, DType.Int32, name, "b");
        return Dispatch.Apply(op, Attrs.None, a, b);
    }

    private static Tensor IntLike(int value, Tensor like, string name)
    {
        NotNull(like, name, "a");
        return Tensor.Full(DType.Int32, value);
    }

    private static void RequireDType(Tensor x, DType dtype, string name, string argument)
    {
        NotNull(x, name, argument);
        if (x.DType == dtype) return;
        string fix = dtype == DType.Bool
            ? "make it with a comparison such as Greater(x, 0.0), or Cast(x, DType.Bool)"
            : "Cast(x, DType.Int32) first (bitwise operations are defined on 32-bit integers; LogicalAnd and friends take bools)";
        throw new ArgumentException($"{name}: '{argument}' must be {dtype.ShortName()}, got {x.Type}; {fix}", argument);
    }
}
