using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// The two inner loops of the unblocked parts of the factorisations (panels, diagonal blocks, narrow solves), over
/// <see cref="Vector{T}"/> with a scalar tail. The dot product keeps two accumulators so consecutive multiply-adds
/// do not wait on each other.
/// </summary>
internal static class VectorLoops
{
    /// <summary>y -= alpha x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubtractScaled<T>(Span<T> y, ReadOnlySpan<T> x, T alpha) where T : unmanaged, INumber<T>
    {
        int n = y.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            var va = new Vector<T>(alpha);
            ref T yr = ref MemoryMarshal.GetReference(y);
            ref T xr = ref MemoryMarshal.GetReference(x);
            for (; i + Vector<T>.Count <= n; i += Vector<T>.Count)
            {
                ref T yi = ref Unsafe.Add(ref yr, i);
                var v = Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref yi))
                    - va * Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref xr, i)));
                Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref yi), v);
            }
        }
        for (; i < n; i++) y[i] -= alpha * x[i];
    }

    /// <summary>Σ a[i] b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, INumber<T>
    {
        int n = a.Length, i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<T>.Count)
        {
            ref T ar = ref MemoryMarshal.GetReference(a);
            ref T br = ref MemoryMarshal.GetReference(b);
            Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero;
            int w = Vector<T>.Count;
            for (; i + 2 * w <= n; i += 2 * w)
            {
                s0 += Load(ref ar, i) * Load(ref br, i);
                s1 += Load(ref ar, i + w) * Load(ref br, i + w);
            }
            sum = Vector.Sum(s0 + s1);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(ref T r, int i) where T : unmanaged, INumber<T> =>
        Unsafe.ReadUnaligned<Vector<T>>(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref r, i)));
}
