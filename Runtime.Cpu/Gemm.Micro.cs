using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// The MR x NR micro-kernels of <see cref="Gemm{T}"/>: 6 rows x 2 vectors of C in 12 accumulator registers, fed by one
/// packed A panel (6 values per k step, broadcast) and one packed B panel (2 vectors per k step).
/// </summary>
internal sealed partial class Gemm<T>
{
    /// <summary>
    /// C[6 x 2W] (+)= A[6 x kc] * Bpanel[kc x 2W], C rows ldc apart and contiguous. A is a packed panel (strides 1 and
    /// MR) or, when a block has one B panel and packing A would cost more than it saves, A itself (any strides).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro512(int kc, ref T a, nint ars, nint acs, ref T b, ref T c, int ldc, bool accumulate)
    {
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int w = Vector512<T>.Count, nr = 2 * w;
        nint r2 = 2 * ars, r3 = 3 * ars, r4 = 4 * ars, r5 = 5 * ars;
        if (kc >= 64) PrefetchTile(ref c, ldc, nr);   // a short loop would not hide the prefetch anyway
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref b);
            var b1 = Vector512.LoadUnsafe(ref b, (nuint)w);
            var a0 = Vector512.Create(a);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector512.Create(Unsafe.Add(ref a, ars));
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector512.Create(Unsafe.Add(ref a, r2));
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector512.Create(Unsafe.Add(ref a, r3));
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector512.Create(Unsafe.Add(ref a, r4));
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector512.Create(Unsafe.Add(ref a, r5));
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            a = ref Unsafe.Add(ref a, acs);
            b = ref Unsafe.Add(ref b, nr);
        }
        Put(ref c, 0, w, c00, c01, accumulate);
        Put(ref c, ldc, w, c10, c11, accumulate);
        Put(ref c, 2 * ldc, w, c20, c21, accumulate);
        Put(ref c, 3 * ldc, w, c30, c31, accumulate);
        Put(ref c, 4 * ldc, w, c40, c41, accumulate);
        Put(ref c, 5 * ldc, w, c50, c51, accumulate);
    }

    /// <summary>
    /// Starts loading the C tile (first and last element of each row) while the k loop runs, so its read-modify-write
    /// at the end does not wait on L2/L3. A prefetch never faults, so a stale address after a GC move is harmless.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchTile(ref T c, int ldc, int nr)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < MR; r++)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref c, r * ldc)));
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref c, r * ldc + nr - 1)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ref T c, int row, int w, Vector512<T> v0, Vector512<T> v1, bool accumulate)
    {
        ref T r = ref Unsafe.Add(ref c, row);
        if (accumulate)
        {
            v0 += Vector512.LoadUnsafe(ref r);
            v1 += Vector512.LoadUnsafe(ref r, (nuint)w);
        }
        v0.StoreUnsafe(ref r);
        v1.StoreUnsafe(ref r, (nuint)w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }

    /// <summary>
    /// C[6 x 2W] (+)= A[6 x kc] * Bpanel[kc x 2W], C rows ldc apart and contiguous. A is a packed panel (strides 1 and
    /// MR) or, when a block has one B panel and packing A would cost more than it saves, A itself (any strides).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro256(int kc, ref T a, nint ars, nint acs, ref T b, ref T c, int ldc, bool accumulate)
    {
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int w = Vector256<T>.Count, nr = 2 * w;
        nint r2 = 2 * ars, r3 = 3 * ars, r4 = 4 * ars, r5 = 5 * ars;
        if (kc >= 64) PrefetchTile(ref c, ldc, nr);   // a short loop would not hide the prefetch anyway
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, (nuint)w);
            var a0 = Vector256.Create(a);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector256.Create(Unsafe.Add(ref a, ars));
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector256.Create(Unsafe.Add(ref a, r2));
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector256.Create(Unsafe.Add(ref a, r3));
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector256.Create(Unsafe.Add(ref a, r4));
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector256.Create(Unsafe.Add(ref a, r5));
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            a = ref Unsafe.Add(ref a, acs);
            b = ref Unsafe.Add(ref b, nr);
        }
        Put(ref c, 0, w, c00, c01, accumulate);
        Put(ref c, ldc, w, c10, c11, accumulate);
        Put(ref c, 2 * ldc, w, c20, c21, accumulate);
        Put(ref c, 3 * ldc, w, c30, c31, accumulate);
        Put(ref c, 4 * ldc, w, c40, c41, accumulate);
        Put(ref c, 5 * ldc, w, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ref T c, int row, int w, Vector256<T> v0, Vector256<T> v1, bool accumulate)
    {
        ref T r = ref Unsafe.Add(ref c, row);
        if (accumulate)
        {
            v0 += Vector256.LoadUnsafe(ref r);
            v1 += Vector256.LoadUnsafe(ref r, (nuint)w);
        }
        v0.StoreUnsafe(ref r);
        v1.StoreUnsafe(ref r, (nuint)w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }
}
