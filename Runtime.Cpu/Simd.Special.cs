using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

// Vector forms of the extra elementwise primitives (ops-elem family): rounding and erf.

public static partial class Simd512
{
    /// <summary>Round toward minus infinity, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Floor(Vector512<float> x) => Vector512.Floor(x);

    /// <inheritdoc cref="Floor(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Floor(Vector512<double> x) => Vector512.Floor(x);

    /// <summary>Round toward plus infinity, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Ceil(Vector512<float> x) => Vector512.Ceiling(x);

    /// <inheritdoc cref="Ceil(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Ceil(Vector512<double> x) => Vector512.Ceiling(x);

    /// <summary>Round to nearest, halves to even, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);

    /// <inheritdoc cref="Round(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Round(Vector512<double> x) => Vector512.Round(x);

    /// <summary>Round toward zero, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Trunc(Vector512<float> x) => Vector512.Truncate(x);

    /// <inheritdoc cref="Trunc(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Trunc(Vector512<double> x) => Vector512.Truncate(x);

    /// <summary>f32 erf: <see cref="Simd256.Erf(Vector256{float})"/> on each half (one definition of the approximation).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Erf(Vector512<float> x) => Vector512.Create(Simd256.Erf(x.GetLower()), Simd256.Erf(x.GetUpper()));

    /// <summary>f64 erf: <see cref="Simd256.Erf(Vector256{double})"/> on each half.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Erf(Vector512<double> x) => Vector512.Create(Simd256.Erf(x.GetLower()), Simd256.Erf(x.GetUpper()));
}

public static partial class Simd256
{
    /// <summary>Round toward minus infinity, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Floor(Vector256<float> x) => Vector256.Floor(x);

    /// <inheritdoc cref="Floor(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Floor(Vector256<double> x) => Vector256.Floor(x);

    /// <summary>Round toward plus infinity, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Ceil(Vector256<float> x) => Vector256.Ceiling(x);

    /// <inheritdoc cref="Ceil(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Ceil(Vector256<double> x) => Vector256.Ceiling(x);

    /// <summary>Round to nearest, halves to even, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);

    /// <inheritdoc cref="Round(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Round(Vector256<double> x) => Vector256.Round(x);

    /// <summary>Round toward zero, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Trunc(Vector256<float> x) => Vector256.Truncate(x);

    /// <inheritdoc cref="Trunc(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Trunc(Vector256<double> x) => Vector256.Truncate(x);

    // erf(x) = x P(x^2) for |x| < 1: the Taylor coefficients 2/sqrt(pi) (-1)^n / (n! (2n + 1)), n = 0..10 (the
    // first omitted term is below 2e-9 there).
    private const float E0 = 1.1283791670955126f, E1 = -0.37612638903183754f, E2 = 0.11283791670955126f,
        E3 = -0.026866170645131252f, E4 = 0.005223977625442188f, E5 = -8.548327023450853e-4f,
        E6 = 1.2055332981789664e-4f, E7 = -1.4925650358406251e-5f, E8 = 1.6462114365889246e-6f,
        E9 = -1.6365844691234924e-7f, E10 = 1.4807192815879218e-8f;

    // 1 - erf(x) = t (a1 + t (a2 + ... + t a5)) exp(-x^2), t = 1 / (1 + p x), for x >= 0 (Abramowitz and Stegun
    // 7.1.26; absolute error below 1.5e-7, about two f32 ulps of the result near 1).
    private const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f,
        A4 = -1.453152027f, A5 = 1.061405429f;

    /// <summary>
    /// f32 erf on whole vectors: the Taylor polynomial below |x| = 1, Abramowitz and Stegun's rational
    /// approximation of erfc above, the sign restored last (NaN stays NaN). Within 2e-7 of the double reference.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var a = Vector256.Abs(x);
        var z = x * x;
        var p = Vector256.Create(E10);
        p = p * z + Vector256.Create(E9);
        p = p * z + Vector256.Create(E8);
        p = p * z + Vector256.Create(E7);
        p = p * z + Vector256.Create(E6);
        p = p * z + Vector256.Create(E5);
        p = p * z + Vector256.Create(E4);
        p = p * z + Vector256.Create(E3);
        p = p * z + Vector256.Create(E2);
        p = p * z + Vector256.Create(E1);
        p = p * z + Vector256.Create(E0);
        var small = x * p;
        var t = one / (one + Vector256.Create(P) * a);
        var q = Vector256.Create(A5);
        q = q * t + Vector256.Create(A4);
        q = q * t + Vector256.Create(A3);
        q = q * t + Vector256.Create(A2);
        q = q * t + Vector256.Create(A1);
        var large = one - q * t * Vector256.Exp(-z);
        large = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), -large, large);
        return Vector256.ConditionalSelect(Vector256.LessThan(a, one), small, large);
    }

    /// <summary>
    /// f64 erf, lane by lane through the scalar definition: no vector approximation reaches double precision
    /// cheaply, and this keeps the rest of a fused f64 kernel on vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Erf(Vector256<double> x) => Vector256.Create(
        SpecialFunctions.Erf(x.GetElement(0)), SpecialFunctions.Erf(x.GetElement(1)),
        SpecialFunctions.Erf(x.GetElement(2)), SpecialFunctions.Erf(x.GetElement(3)));
}
