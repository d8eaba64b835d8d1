using System.Runtime.CompilerServices;
using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Scalar functions that generated kernels call where Math/MathF lack them or throw: static, non-virtual and small,
/// so the JIT inlines them. Semantics match the reference implementations in the Rules project.
/// </summary>
public static class ScalarMath
{
    /// <summary>-1, 0 or 1; keeps -0 and NaN (Math.Sign throws on NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sign(float x) => x > 0 ? 1f : x < 0 ? -1f : x;

    /// <summary>-1, 0 or 1; keeps -0 and NaN (Math.Sign throws on NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sign(double x) => x > 0 ? 1.0 : x < 0 ? -1.0 : x;

    /// <summary>-1, 0 or 1 for an int32 (no NaN or -0 to keep).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sign(int x) => x > 0 ? 1 : x < 0 ? -1 : 0;

    /// <summary>Wrapping absolute value (int.MinValue stays itself, as in two's complement hardware).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Abs(int x) => x < 0 ? unchecked(-x) : x;

    /// <summary>log(1 + x) without cancellation for small x (the shared definition in the Compiler).</summary>
    public static double Log1p(double x) => ScalarFunctions.Log1p(x);

    /// <summary>f32 log(1 + x), computed in f64 and rounded once, so it matches the reference bit for bit.</summary>
    public static float Log1p(float x) => (float)Log1p((double)x);

    /// <summary>exp(x) - 1 without cancellation for small x (the shared definition in the Compiler).</summary>
    public static double Expm1(double x) => ScalarFunctions.Expm1(x);

    /// <summary>f32 exp(x) - 1, computed in f64 and rounded once, so it matches the reference bit for bit.</summary>
    public static float Expm1(float x) => (float)Expm1((double)x);

    /// <summary>
    /// f32 logistic sigmoid 1 / (1 + exp(-x)), the reference's formula: 0 when exp(-x) overflows, never NaN for
    /// finite x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Logistic(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>f64 logistic sigmoid 1 / (1 + exp(-x)), the reference's formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Logistic(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>
    /// f32 1 / sqrt(x) as a true division (not the approximate hardware rsqrt), to agree with the reference: +inf at
    /// 0, NaN below.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Rsqrt(float x) => 1f / MathF.Sqrt(x);

    /// <summary>f64 1 / sqrt(x) as a true division: +inf at 0, NaN below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Rsqrt(double x) => 1.0 / Math.Sqrt(x);

    /// <summary>Truncating division with XLA's results where C# would throw: x / 0 = -1, int.MinValue / -1 wraps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Div(int a, int b)
    {
        if (b == 0) return -1;
        if (b == -1) return unchecked(-a);
        return a / b;
    }

    /// <summary>
    /// A gather/scatter index, checked against the axis it indexes. <paramref name="what"/> names the operation,
    /// axis and shapes for the message. The exception is the one the reference implementation throws
    /// (<see cref="ArgumentOutOfRangeException"/>, parameter "indices"), so eager and compiled calls fail alike.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CheckIndex(int index, int extent, string what)
    {
        if ((uint)index >= (uint)extent) ThrowIndex(index, extent, what);
        return index;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowIndex(int index, int extent, string what) =>
        throw new ArgumentOutOfRangeException("indices",
            $"{what}: index {index} is out of range for an axis of size {extent}; indices must be in [0, {extent}) " +
            "(negative indices are not supported)");
}
