using System.Runtime.Intrinsics;

namespace Tracer.Runtime.Cpu;

// Vector forms of the bitwise family (jitergo) for i32 kernels. Shifts take one count for every lane, which the
// vectoriser only uses for a constant count in [0, 32), where C#'s and XLA's semantics agree.

public static partial class Simd512
{
    /// <summary>Lanewise bitwise and.</summary>
    public static Vector512<T> And<T>(Vector512<T> a, Vector512<T> b) => a & b;

    /// <summary>Lanewise bitwise or.</summary>
    public static Vector512<T> Or<T>(Vector512<T> a, Vector512<T> b) => a | b;

    /// <summary>Lanewise bitwise exclusive or.</summary>
    public static Vector512<T> Xor<T>(Vector512<T> a, Vector512<T> b) => a ^ b;

    /// <summary>Lanewise bitwise complement.</summary>
    public static Vector512<T> Not<T>(Vector512<T> a) => ~a;

    /// <summary>Every lane shifted left by <paramref name="count"/> (in [0, 32)).</summary>
    public static Vector512<int> ShiftLeft(Vector512<int> a, int count) => Vector512.ShiftLeft(a, count);

    /// <summary>Every lane shifted right by <paramref name="count"/> (in [0, 32)), filling with zeros.</summary>
    public static Vector512<int> ShiftRightLogical(Vector512<int> a, int count) => Vector512.ShiftRightLogical(a, count);
}

public static partial class Simd256
{
    /// <summary>Lanewise bitwise and.</summary>
    public static Vector256<T> And<T>(Vector256<T> a, Vector256<T> b) => a & b;

    /// <summary>Lanewise bitwise or.</summary>
    public static Vector256<T> Or<T>(Vector256<T> a, Vector256<T> b) => a | b;

    /// <summary>Lanewise bitwise exclusive or.</summary>
    public static Vector256<T> Xor<T>(Vector256<T> a, Vector256<T> b) => a ^ b;

    /// <summary>Lanewise bitwise complement.</summary>
    public static Vector256<T> Not<T>(Vector256<T> a) => ~a;

    /// <summary>Every lane shifted left by <paramref name="count"/> (in [0, 32)).</summary>
    public static Vector256<int> ShiftLeft(Vector256<int> a, int count) => Vector256.ShiftLeft(a, count);

    /// <summary>Every lane shifted right by <paramref name="count"/> (in [0, 32)), filling with zeros.</summary>
    public static Vector256<int> ShiftRightLogical(Vector256<int> a, int count) => Vector256.ShiftRightLogical(a, count);
}
