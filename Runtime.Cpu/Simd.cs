using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// The vector operations generated kernels call, for <see cref="Vector512{T}"/> (one class per width keeps the code
/// generator width-agnostic: it looks methods up by name on <see cref="Simd512"/> or <see cref="Simd256"/>). All are
/// tiny and aggressively inlined into the kernel. Loads and stores skip bounds checks: the code generator proves every
/// address of a vectorised loop in range once, when it builds the kernel.
/// </summary>
public static partial class Simd512
{
    /// <summary>
    /// Loads the Vector512&lt;T&gt;.Count elements of <paramref name="a"/> starting at <paramref name="i"/>. No
    /// bounds check: the code generator has proved the whole vector lies inside the array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load<T>(T[] a, int i) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(a), (nuint)i);

    /// <summary>
    /// Stores <paramref name="v"/> into <paramref name="a"/> starting at <paramref name="i"/>, unchecked like
    /// <see cref="Load{T}(T[], int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T[] a, int i, Vector512<T> v) =>
        v.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(a), (nuint)i);

    /// <summary>
    /// A vector with every lane <paramref name="x"/> (16 floats or 8 doubles): how constants and loop-invariant
    /// scalars enter a vectorised kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Splat<T>(T x) => Vector512.Create(x);

    /// <summary>Lane-wise a + b (the Add primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add<T>(Vector512<T> a, Vector512<T> b) => a + b;

    /// <summary>Lane-wise a - b (the Sub primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sub<T>(Vector512<T> a, Vector512<T> b) => a - b;

    /// <summary>Lane-wise a · b (the Mul primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Mul<T>(Vector512<T> a, Vector512<T> b) => a * b;

    /// <summary>Lane-wise a / b with IEEE semantics for floats (x/0 is ±inf or NaN, as in the reference).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Div<T>(Vector512<T> a, Vector512<T> b) => a / b;

    /// <summary>Lane-wise -a (flips the sign bit for floats, so -0 and NaN behave as in the reference).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Neg<T>(Vector512<T> a) => -a;

    /// <summary>Lane-wise |a| (the Abs primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Abs<T>(Vector512<T> a) => Vector512.Abs(a);

    /// <summary>IEEE maximum: NaN propagates and +0 &gt; -0, as Math.Max.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max<T>(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);

    /// <summary>IEEE minimum: NaN propagates and -0 &lt; +0, as Math.Min (the Min primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Min<T>(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);

    /// <summary>Lane-wise square root, correctly rounded (hardware sqrt); negative lanes give NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sqrt<T>(Vector512<T> a) => Vector512.Sqrt(a);

    /// <summary>
    /// Lane-wise 1 / sqrt(a), computed as a division rather than the approximate rsqrt instruction, so that compiled
    /// code agrees with the reference implementation to rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Rsqrt<T>(Vector512<T> a) => Vector512<T>.One / Vector512.Sqrt(a);

    /// <summary>-1, 0 or 1, keeping -0 and NaN (as <see cref="ScalarMath.Sign(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sign<T>(Vector512<T> a) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<T>.Zero), Vector512<T>.One,
            Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<T>.Zero), -Vector512<T>.One, a));

    /// <summary>
    /// Lane-wise mask ? a : b (the Select primitive). <paramref name="mask"/> must be all-ones or all-zeros per lane,
    /// as the comparison methods of this class produce.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Select<T>(Vector512<T> mask, Vector512<T> a, Vector512<T> b) => Vector512.ConditionalSelect(mask, a, b);

    /// <summary>Lane-wise a &lt; b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Lt<T>(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);

    /// <summary>Lane-wise a ≤ b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Le<T>(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b);

    /// <summary>Lane-wise a &gt; b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Gt<T>(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);

    /// <summary>Lane-wise a ≥ b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Ge<T>(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b);

    /// <summary>Lane-wise a == b as a mask (all bits set where true); NaN equals nothing, and +0 == -0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Eq<T>(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);

    /// <summary>
    /// Lane-wise a != b as a mask: the complement of <see cref="Eq{T}"/>, so NaN lanes are not-equal.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Ne<T>(Vector512<T> a, Vector512<T> b) => ~Vector512.Equals(a, b);

    /// <summary>
    /// Lane-wise f32 e^x (the BCL's vector exp). Not inlined: transcendental bodies are large, and one call per
    /// vector keeps the generated kernel small.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Exp(Vector512<float> x) => Vector512.Exp(x);

    /// <summary>Lane-wise f64 e^x (the BCL's vector exp); not inlined, like the f32 overload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Exp(Vector512<double> x) => Vector512.Exp(x);

    /// <summary>Lane-wise f32 natural logarithm (the BCL's vector log): log(0) = -inf, negative lanes NaN.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Log(Vector512<float> x) => Vector512.Log(x);

    /// <summary>Lane-wise f64 natural logarithm (the BCL's vector log): log(0) = -inf, negative lanes NaN.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Log(Vector512<double> x) => Vector512.Log(x);

    /// <summary>Lane-wise f32 sine: the sine half of <see cref="SinCos(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Sin(Vector512<float> x) => SinCos(x).Sin;

    /// <summary>Lane-wise f64 sine (the BCL's vector sin, computed in f64).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Sin(Vector512<double> x) => Vector512.Sin(x);

    /// <summary>Lane-wise f32 cosine: the cosine half of <see cref="SinCos(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Cos(Vector512<float> x) => SinCos(x).Cos;

    /// <summary>Lane-wise f64 cosine (the BCL's vector cos, computed in f64).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Cos(Vector512<double> x) => Vector512.Cos(x);

    /// <summary>
    /// f32 sin and cos together: <see cref="Simd256.SinCos(Vector256{float})"/> on each half, so the reduction and
    /// polynomials have one definition (the 512-bit path is tested but unmeasured on the machines we have).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static (Vector512<float> Sin, Vector512<float> Cos) SinCos(Vector512<float> x)
    {
        var (sl, cl) = Simd256.SinCos(x.GetLower());
        var (su, cu) = Simd256.SinCos(x.GetUpper());
        return (Vector512.Create(sl, su), Vector512.Create(cl, cu));
    }

    /// <summary>f64 sine and cosine together (the BCL's vector SinCos), for symmetry with the f32 overload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static (Vector512<double> Sin, Vector512<double> Cos) SinCos(Vector512<double> x) => Vector512.SinCos(x);

    /// <summary>f32 tanh: <see cref="Simd256.Tanh(Vector256{float})"/> on each half (one definition of the approximation).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Tanh(Vector512<float> x) => Vector512.Create(Simd256.Tanh(x.GetLower()), Simd256.Tanh(x.GetUpper()));

    /// <summary>f64 tanh: <see cref="Simd256.Tanh(Vector256{double})"/> on each half (one definition).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Tanh(Vector512<double> x) => Vector512.Create(Simd256.Tanh(x.GetLower()), Simd256.Tanh(x.GetUpper()));

    /// <summary>1 / (1 + exp(-x)), the reference's formula (exp overflow gives 0, as it should).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<float> Logistic(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

    /// <summary>
    /// f64 logistic sigmoid 1 / (1 + exp(-x)), the same formula as the reference (0 for very negative x, 1 for very
    /// positive).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector512<double> Logistic(Vector512<double> x) => Vector512<double>.One / (Vector512<double>.One + Vector512.Exp(-x));

    /// <summary>f32 sums accumulate in f64 lanes: the low and high halves of a vector, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> WidenLower(Vector512<float> x) => Vector512.WidenLower(x);

    /// <summary>
    /// The upper half of an f32 vector widened to f64 lanes; the companion of <see cref="WidenLower"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> WidenUpper(Vector512<float> x) => Vector512.WidenUpper(x);

    /// <summary>
    /// The horizontal sum of the lanes, used once per reduction after the vector loop to fold the accumulator into a
    /// scalar.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector512<T> v) => Vector512.Sum(v);

    /// <summary>
    /// The horizontal maximum of the lanes with Math.Max semantics (NaN propagates, +0 beats -0): a max-reduction's
    /// vector accumulator folded into a scalar.
    /// </summary>
    public static float HMax(Vector512<float> v)
    {
        float r = v.GetElement(0);
        for (int i = 1; i < Vector512<float>.Count; i++) r = Math.Max(r, v.GetElement(i));
        return r;
    }

    /// <summary>The horizontal maximum of the lanes with Math.Max semantics (NaN propagates, +0 beats -0).</summary>
    public static double HMax(Vector512<double> v)
    {
        double r = v.GetElement(0);
        for (int i = 1; i < Vector512<double>.Count; i++) r = Math.Max(r, v.GetElement(i));
        return r;
    }

    /// <summary>
    /// The horizontal minimum of the lanes with Math.Min semantics (NaN propagates, -0 beats +0): a min-reduction's
    /// vector accumulator folded into a scalar.
    /// </summary>
    public static float HMin(Vector512<float> v)
    {
        float r = v.GetElement(0);
        for (int i = 1; i < Vector512<float>.Count; i++) r = Math.Min(r, v.GetElement(i));
        return r;
    }

    /// <summary>The horizontal minimum of the lanes with Math.Min semantics (NaN propagates, -0 beats +0).</summary>
    public static double HMin(Vector512<double> v)
    {
        double r = v.GetElement(0);
        for (int i = 1; i < Vector512<double>.Count; i++) r = Math.Min(r, v.GetElement(i));
        return r;
    }
}

/// <summary>The same operations as <see cref="Simd512"/> at 256 bits (machines without AVX-512).</summary>
public static partial class Simd256
{
    /// <summary>
    /// Loads the Vector256&lt;T&gt;.Count elements of <paramref name="a"/> starting at <paramref name="i"/>. No
    /// bounds check: the code generator has proved the whole vector lies inside the array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load<T>(T[] a, int i) =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(a), (nuint)i);

    /// <summary>
    /// Stores <paramref name="v"/> into <paramref name="a"/> starting at <paramref name="i"/>, unchecked like
    /// <see cref="Load{T}(T[], int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T[] a, int i, Vector256<T> v) =>
        v.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(a), (nuint)i);

    /// <summary>
    /// A vector with every lane <paramref name="x"/> (8 floats or 4 doubles): how constants and loop-invariant
    /// scalars enter a vectorised kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Splat<T>(T x) => Vector256.Create(x);

    /// <summary>Lane-wise a + b (the Add primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add<T>(Vector256<T> a, Vector256<T> b) => a + b;

    /// <summary>Lane-wise a - b (the Sub primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sub<T>(Vector256<T> a, Vector256<T> b) => a - b;

    /// <summary>Lane-wise a · b (the Mul primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Mul<T>(Vector256<T> a, Vector256<T> b) => a * b;

    /// <summary>Lane-wise a / b with IEEE semantics for floats (x/0 is ±inf or NaN, as in the reference).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Div<T>(Vector256<T> a, Vector256<T> b) => a / b;

    /// <summary>Lane-wise -a (flips the sign bit for floats, so -0 and NaN behave as in the reference).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Neg<T>(Vector256<T> a) => -a;

    /// <summary>Lane-wise |a| (the Abs primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Abs<T>(Vector256<T> a) => Vector256.Abs(a);

    /// <summary>IEEE maximum: NaN propagates and +0 &gt; -0, as Math.Max.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max<T>(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);

    /// <summary>IEEE minimum: NaN propagates and -0 &lt; +0, as Math.Min (the Min primitive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Min<T>(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);

    /// <summary>Lane-wise square root, correctly rounded (hardware sqrt); negative lanes give NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sqrt<T>(Vector256<T> a) => Vector256.Sqrt(a);

    /// <summary>
    /// Lane-wise 1 / sqrt(a), computed as a division rather than the approximate rsqrt instruction, so that compiled
    /// code agrees with the reference implementation to rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Rsqrt<T>(Vector256<T> a) => Vector256<T>.One / Vector256.Sqrt(a);

    /// <summary>-1, 0 or 1, keeping -0 and NaN (as <see cref="ScalarMath.Sign(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sign<T>(Vector256<T> a) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256<T>.Zero), -Vector256<T>.One, a));

    /// <summary>
    /// Lane-wise mask ? a : b (the Select primitive). <paramref name="mask"/> must be all-ones or all-zeros per lane,
    /// as the comparison methods of this class produce.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Select<T>(Vector256<T> mask, Vector256<T> a, Vector256<T> b) => Vector256.ConditionalSelect(mask, a, b);

    /// <summary>Lane-wise a &lt; b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Lt<T>(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);

    /// <summary>Lane-wise a ≤ b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Le<T>(Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(a, b);

    /// <summary>Lane-wise a &gt; b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Gt<T>(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);

    /// <summary>Lane-wise a ≥ b as a mask (all bits set where true); false where either lane is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Ge<T>(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b);

    /// <summary>Lane-wise a == b as a mask (all bits set where true); NaN equals nothing, and +0 == -0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Eq<T>(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);

    /// <summary>
    /// Lane-wise a != b as a mask: the complement of <see cref="Eq{T}"/>, so NaN lanes are not-equal.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Ne<T>(Vector256<T> a, Vector256<T> b) => ~Vector256.Equals(a, b);

    /// <summary>
    /// Lane-wise f32 e^x (the BCL's vector exp). Not inlined: transcendental bodies are large, and one call per
    /// vector keeps the generated kernel small.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Exp(Vector256<float> x) => Vector256.Exp(x);

    /// <summary>Lane-wise f64 e^x (the BCL's vector exp); not inlined, like the f32 overload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Exp(Vector256<double> x) => Vector256.Exp(x);

    /// <summary>Lane-wise f32 natural logarithm (the BCL's vector log): log(0) = -inf, negative lanes NaN.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Log(Vector256<float> x) => Vector256.Log(x);

    /// <summary>Lane-wise f64 natural logarithm (the BCL's vector log): log(0) = -inf, negative lanes NaN.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Log(Vector256<double> x) => Vector256.Log(x);

    /// <summary>Lane-wise f32 sine: the sine half of <see cref="SinCos(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Sin(Vector256<float> x) => SinCos(x).Sin;

    /// <summary>Lane-wise f64 sine (the BCL's vector sin, computed in f64).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Sin(Vector256<double> x) => Vector256.Sin(x);

    /// <summary>Lane-wise f32 cosine: the cosine half of <see cref="SinCos(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Cos(Vector256<float> x) => SinCos(x).Cos;

    /// <summary>Lane-wise f64 cosine (the BCL's vector cos, computed in f64).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Cos(Vector256<double> x) => Vector256.Cos(x);

    /// <summary>
    /// f32 sin and cos together, in f32 arithmetic (about 3x faster than the BCL's, which computes in f64): x is
    /// reduced to r in [-π/4, π/4] around the nearest even multiple j of π/4 (π/4 split in three parts, so r is exact
    /// to f32 precision for |x| ≤ 8192), then minimax polynomials for sin and cos on r (Cephes' sinf/cosf
    /// coefficients), swapped and negated by the octant bits of j. Within 2 ulp of the exact values. A lane
    /// with |x| above 8192 (or ±inf) takes the BCL's path, whose reduction is exact; NaN stays NaN; sin(-0) = -0.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static (Vector256<float> Sin, Vector256<float> Cos) SinCos(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var far = Vector256.GreaterThan(ax, Vector256.Create(8192f));
        var fast = SinCosNear(x, ax);
        if (far == Vector256<float>.Zero) return fast;
        // Lane by lane, never the whole vector: a lane's result must not depend on its neighbours, or the same
        // value computed in two kernels (a max and the comparison with it in max's gradient) could differ.
        var (farSin, farCos) = Vector256.SinCos(x);
        return (Vector256.ConditionalSelect(far, farSin, fast.Sin), Vector256.ConditionalSelect(far, farCos, fast.Cos));
    }

    /// <summary>The polynomial part of <see cref="SinCos(Vector256{float})"/>, exact to 2 ulp for |x| ≤ 8192.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Sin, Vector256<float> Cos) SinCosNear(Vector256<float> x, Vector256<float> ax)
    {
        var j = Vector256.ConvertToInt32Native(ax * Vector256.Create(1.27323954473516f));   // |x| / (π/4), truncated
        j = (j + Vector256<int>.One) & Vector256.Create(~1);                                      // the even octant at or above
        var y = Vector256.ConvertToSingle(j);
        var r = Vector256.FusedMultiplyAdd(y, Vector256.Create(-0.78515625f), ax);
        r = Vector256.FusedMultiplyAdd(y, Vector256.Create(-2.4187564849853515625e-4f), r);
        r = Vector256.FusedMultiplyAdd(y, Vector256.Create(-3.77489497744594108e-8f), r);
        var z = r * r;
        var sp = Vector256.FusedMultiplyAdd(z, Vector256.Create(-1.9515295891e-4f), Vector256.Create(8.3321608736e-3f));
        sp = Vector256.FusedMultiplyAdd(sp, z, Vector256.Create(-1.6666654611e-1f));
        sp = Vector256.FusedMultiplyAdd(sp * z, r, r);
        var cp = Vector256.FusedMultiplyAdd(z, Vector256.Create(2.443315711809948e-5f), Vector256.Create(-1.388731625493765e-3f));
        cp = Vector256.FusedMultiplyAdd(cp, z, Vector256.Create(4.166664568298827e-2f));
        cp = Vector256.FusedMultiplyAdd(cp * z, z, Vector256.FusedMultiplyAdd(z, Vector256.Create(-0.5f), Vector256<float>.One));
        // Octants 2 and 6 (mod 8) swap the polynomials; sin changes sign with bit 2 of j and with x, cos when bits 1
        // and 2 of j differ.
        var swap = Vector256.Equals(j & Vector256.Create(2), Vector256.Create(2)).AsSingle();
        var sin = Vector256.ConditionalSelect(swap, cp, sp);
        var cos = Vector256.ConditionalSelect(swap, sp, cp);
        var signBit = Vector256.Create(int.MinValue);
        var sinSign = ((j << 29) ^ x.AsInt32()) & signBit;
        var cosSign = ((j << 29) ^ (j << 30)) & signBit;
        return ((sin.AsInt32() ^ sinSign).AsSingle(), (cos.AsInt32() ^ cosSign).AsSingle());
    }

    /// <summary>f64 sine and cosine together (the BCL's vector SinCos), for symmetry with the f32 overload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static (Vector256<double> Sin, Vector256<double> Cos) SinCos(Vector256<double> x) => Vector256.SinCos(x);

    /// <summary>
    /// f32 tanh as a rational function x·P(x²)/Q(x²) on [-7.9053, 7.9053] (degree 13 over 6; the published
    /// coefficients of Eigen's fast tanh, within 5 ulp of the exact value), and ±1 beyond, where tanh rounds to ±1 in
    /// f32. About half the cost of the exp-based form, with no cancellation near 0 (tanh(x) = x there, -0 kept).
    /// NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var c = Vector256.Min(Vector256.Max(x, Vector256.Create(-7.90531110763549805f)), Vector256.Create(7.90531110763549805f));
        var x2 = c * c;
        var p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(-2.76076847742355e-16f), Vector256.Create(2.00018790482477e-13f));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(-8.60467152213735e-11f));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(5.12229709037114e-08f));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(1.48572235717979e-05f));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(6.37261928875436e-04f));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(4.89352455891786e-03f));
        var q = Vector256.FusedMultiplyAdd(x2, Vector256.Create(1.19825839466702e-06f), Vector256.Create(1.18534705686654e-04f));
        q = Vector256.FusedMultiplyAdd(x2, q, Vector256.Create(2.26843463243900e-03f));
        q = Vector256.FusedMultiplyAdd(x2, q, Vector256.Create(4.89352518554385e-03f));
        var r = c * p / q;
        return Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Abs(x), Vector256.Create(7.9053f)), Vector256.CopySign(Vector256<float>.One, x), r);
    }

    /// <summary>
    /// f64 tanh: sign(x)·(1 - t)/(1 + t) with t = exp(-2|x|) (no overflow; 1 - t is exact for |x| ≥ 0.1), and its
    /// Taylor series below 0.1, where 1 - t would cancel. NaN stays NaN, ±inf gives ±1, -0 stays -0.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Tanh(Vector256<double> x)
    {
        var ax = Vector256.Abs(x);
        var t = Vector256.Exp(ax * -2.0);
        var big = (Vector256<double>.One - t) / (Vector256<double>.One + t);
        var x2 = ax * ax;
        var p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(-929569.0 / 638512875), Vector256.Create(21844.0 / 6081075));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(-1382.0 / 155925));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(62.0 / 2835));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(-17.0 / 315));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(2.0 / 15));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(-1.0 / 3));
        p = Vector256.FusedMultiplyAdd(x2 * ax, p, ax);
        var r = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.1)), p, big);
        return Vector256.CopySign(r, x);
    }

    /// <summary>1 / (1 + exp(-x)), the reference's formula (exp overflow gives 0, as it should).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Logistic(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    /// <summary>
    /// f64 logistic sigmoid 1 / (1 + exp(-x)), the same formula as the reference (0 for very negative x, 1 for very
    /// positive).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Logistic(Vector256<double> x) => Vector256<double>.One / (Vector256<double>.One + Vector256.Exp(-x));

    /// <summary>f32 sums accumulate in f64 lanes: the low and high halves of a vector, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> WidenLower(Vector256<float> x) => Vector256.WidenLower(x);

    /// <summary>
    /// The upper half of an f32 vector widened to f64 lanes; the companion of <see cref="WidenLower"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> WidenUpper(Vector256<float> x) => Vector256.WidenUpper(x);

    /// <summary>
    /// The horizontal sum of the lanes, used once per reduction after the vector loop to fold the accumulator into a
    /// scalar.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(Vector256<T> v) => Vector256.Sum(v);

    /// <summary>
    /// The horizontal maximum of the lanes with Math.Max semantics (NaN propagates, +0 beats -0): a max-reduction's
    /// vector accumulator folded into a scalar.
    /// </summary>
    public static float HMax(Vector256<float> v)
    {
        float r = v.GetElement(0);
        for (int i = 1; i < Vector256<float>.Count; i++) r = Math.Max(r, v.GetElement(i));
        return r;
    }

    /// <summary>The horizontal maximum of the lanes with Math.Max semantics (NaN propagates, +0 beats -0).</summary>
    public static double HMax(Vector256<double> v)
    {
        double r = v.GetElement(0);
        for (int i = 1; i < Vector256<double>.Count; i++) r = Math.Max(r, v.GetElement(i));
        return r;
    }

    /// <summary>
    /// The horizontal minimum of the lanes with Math.Min semantics (NaN propagates, -0 beats +0): a min-reduction's
    /// vector accumulator folded into a scalar.
    /// </summary>
    public static float HMin(Vector256<float> v)
    {
        float r = v.GetElement(0);
        for (int i = 1; i < Vector256<float>.Count; i++) r = Math.Min(r, v.GetElement(i));
        return r;
    }

    /// <summary>The horizontal minimum of the lanes with Math.Min semantics (NaN propagates, -0 beats +0).</summary>
    public static double HMin(Vector256<double> v)
    {
        double r = v.GetElement(0);
        for (int i = 1; i < Vector256<double>.Count; i++) r = Math.Min(r, v.GetElement(i));
        return r;
    }
}
