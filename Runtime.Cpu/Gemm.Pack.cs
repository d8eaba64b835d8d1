using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Packing of <see cref="Gemm{T}"/>: blocks of A and B copied into the panel order the micro-kernel reads, zero-padded
/// to whole panels. Every layout is read in memory order (its contiguous axis innermost) and scattered into the
/// panels, so a transposed operand packs as fast as a plain one and a block read from DRAM streams instead of
/// touching one line per row. Reads are unchecked: <see cref="Gemm{T}.Run"/> has checked that every address of the
/// operand views lies inside their buffers.
/// </summary>
internal sealed partial class Gemm<T>
{
    /// <summary>B[kc x nc] into panels of nr columns, row by row, zero-padded: bp[(panel * kc + p) * nr + j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackB(T[] b, int at, int kc, int nc, T[] bp, int nr)
    {
        int rs = k.B.RowStride, cs = k.B.ColStride;
        int full = nc / nr, cols = nc - full * nr;
        ref T src = ref b[0];
        ref T dst = ref bp[0];
        if (cols > 0) Zero(ref Unsafe.Add(ref dst, full * kc * nr), kc * nr);
        if (cs == 1)
        {
            // Row-major B: row p is contiguous; its NR-wide pieces go to the panels in turn.
            for (int p = 0; p < kc; p++)
            {
                ref T row = ref Unsafe.Add(ref src, at + p * rs);
                ref T to = ref Unsafe.Add(ref dst, p * nr);
                for (int jp = 0; jp < full; jp++) CopyRow(ref Unsafe.Add(ref row, jp * nr), ref Unsafe.Add(ref to, jp * kc * nr), nr);
                for (int q = 0; q < cols; q++) Unsafe.Add(ref to, full * kc * nr + q) = Unsafe.Add(ref row, full * nr + q);
            }
        }
        else if (rs == 1 || Math.Abs(rs) < Math.Abs(cs))
        {
            // Transposed B: column j is contiguous (or nearly) along k; walk it down one lane of its panel.
            for (int j = 0; j < nc; j++)
            {
                ref T col = ref Unsafe.Add(ref src, at + j * cs);
                ref T to = ref Unsafe.Add(ref dst, j / nr * kc * nr + j % nr);
                for (int p = 0; p < kc; p++) Unsafe.Add(ref to, p * nr) = Unsafe.Add(ref col, p * rs);
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                ref T row = ref Unsafe.Add(ref src, at + p * rs);
                for (int j = 0; j < nc; j++) Unsafe.Add(ref dst, (j / nr * kc + p) * nr + j % nr) = Unsafe.Add(ref row, j * cs);
            }
        }
    }

    /// <summary>A[mc x kc] into panels of MR rows, column by column, zero-padded: ap[(panel * kc + p) * MR + i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackA(T[] a, int at, int mc, int kc, T[] ap)
    {
        int rs = k.A.RowStride, cs = k.A.ColStride;
        int full = mc / MR, rows = mc - full * MR;
        ref T src = ref a[0];
        ref T dst = ref ap[0];
        if (rows > 0) Zero(ref Unsafe.Add(ref dst, full * kc * MR), kc * MR);
        if (cs == 1)
        {
            // Row-major A: each panel's six rows are read side by side (six streams), its k steps written in order.
            for (int ip = 0; ip < full; ip++) PackRowPanel(ref Unsafe.Add(ref src, at + ip * MR * rs), rs, ref Unsafe.Add(ref dst, ip * kc * MR), kc);
            for (int i = full * MR; i < mc; i++)
            {
                ref T row = ref Unsafe.Add(ref src, at + i * rs);
                ref T to = ref Unsafe.Add(ref dst, full * kc * MR + i % MR);
                for (int p = 0; p < kc; p++) Unsafe.Add(ref to, p * MR) = Unsafe.Add(ref row, p);
            }
        }
        else if (rs != 1 && Math.Abs(cs) < Math.Abs(rs))
        {
            // Nearly row-major A (strided along k): row i is walked down one lane of its panel.
            for (int i = 0; i < mc; i++)
            {
                ref T row = ref Unsafe.Add(ref src, at + i * rs);
                ref T to = ref Unsafe.Add(ref dst, i / MR * kc * MR + i % MR);
                for (int p = 0; p < kc; p++) Unsafe.Add(ref to, p * MR) = Unsafe.Add(ref row, p * cs);
            }
        }
        else
        {
            // Transposed A: column p holds the MR values of each panel's k step next to each other (or nearly).
            for (int p = 0; p < kc; p++)
            {
                ref T col = ref Unsafe.Add(ref src, at + p * cs);
                ref T to = ref Unsafe.Add(ref dst, p * MR);
                if (rs == 1)
                {
                    // A panel's k step is six adjacent values: one block copy (a constant size, so two vector moves).
                    for (int ip = 0; ip < full; ip++)
                        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref to, ip * kc * MR)),
                            ref Unsafe.As<T, byte>(ref Unsafe.Add(ref col, ip * MR)), (uint)(MR * Unsafe.SizeOf<T>()));
                }
                else
                {
                    for (int ip = 0; ip < full; ip++)
                    {
                        ref T from = ref Unsafe.Add(ref col, ip * MR * rs);
                        ref T panel = ref Unsafe.Add(ref to, ip * kc * MR);
                        for (int i = 0; i < MR; i++) Unsafe.Add(ref panel, i) = Unsafe.Add(ref from, i * rs);
                    }
                }
                for (int i = 0; i < rows; i++) Unsafe.Add(ref to, full * kc * MR + i) = Unsafe.Add(ref col, (full * MR + i) * rs);
            }
        }
    }

    /// <summary>
    /// One full panel of a row-major A (six rows rs apart, contiguous along k) into k-major order: to[p * 6 + i] =
    /// row i [p]. For f32 four k steps at a time: a 4 x 4 transpose of rows 0-3 (one 16-byte store per k step) and the
    /// interleaved pair of rows 4-5 (one 8-byte store per k step), instead of a strided scalar store per value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackRowPanel(ref T from, int rs, ref T to, int kc)
    {
        ref T r0 = ref from;
        ref T r1 = ref Unsafe.Add(ref from, rs);
        ref T r2 = ref Unsafe.Add(ref from, 2 * rs);
        ref T r3 = ref Unsafe.Add(ref from, 3 * rs);
        ref T r4 = ref Unsafe.Add(ref from, 4 * rs);
        ref T r5 = ref Unsafe.Add(ref from, 5 * rs);
        int p = 0;
        if (typeof(T) == typeof(float) && Sse.IsSupported)
        {
            for (; p + 4 <= kc; p += 4)
            {
                var a0 = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r0), (nuint)p);
                var a1 = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r1), (nuint)p);
                var a2 = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r2), (nuint)p);
                var a3 = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r3), (nuint)p);
                var a4 = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r4), (nuint)p);
                var a5 = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref r5), (nuint)p);
                var t0 = Sse.UnpackLow(a0, a1);    // r0p0 r1p0 r0p1 r1p1
                var t1 = Sse.UnpackLow(a2, a3);    // r2p0 r3p0 r2p1 r3p1
                var t2 = Sse.UnpackHigh(a0, a1);   // r0p2 r1p2 r0p3 r1p3
                var t3 = Sse.UnpackHigh(a2, a3);
                var u0 = Sse.UnpackLow(a4, a5).AsDouble();    // (r4p0 r5p0) (r4p1 r5p1)
                var u1 = Sse.UnpackHigh(a4, a5).AsDouble();   // (r4p2 r5p2) (r4p3 r5p3)
                ref float d = ref Unsafe.As<T, float>(ref Unsafe.Add(ref to, p * MR));
                Sse.MoveLowToHigh(t0, t1).StoreUnsafe(ref d);
                Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref d, 4)), u0.ToScalar());
                Sse.MoveHighToLow(t1, t0).StoreUnsafe(ref d, 6);
                Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref d, 10)), u0.GetElement(1));
                Sse.MoveLowToHigh(t2, t3).StoreUnsafe(ref d, 12);
                Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref d, 16)), u1.ToScalar());
                Sse.MoveHighToLow(t3, t2).StoreUnsafe(ref d, 18);
                Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref d, 22)), u1.GetElement(1));
            }
        }
        for (; p < kc; p++)
        {
            ref T d = ref Unsafe.Add(ref to, p * MR);
            d = Unsafe.Add(ref r0, p);
            Unsafe.Add(ref d, 1) = Unsafe.Add(ref r1, p);
            Unsafe.Add(ref d, 2) = Unsafe.Add(ref r2, p);
            Unsafe.Add(ref d, 3) = Unsafe.Add(ref r3, p);
            Unsafe.Add(ref d, 4) = Unsafe.Add(ref r4, p);
            Unsafe.Add(ref d, 5) = Unsafe.Add(ref r5, p);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(ref T src, ref T dst, int n)
    {
        int w = Vector256<T>.Count, j = 0;
        for (; j + w <= n; j += w) Vector256.LoadUnsafe(ref src, (nuint)j).StoreUnsafe(ref dst, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref dst, j) = Unsafe.Add(ref src, j);
    }

    private static void Zero(ref T dst, int n)
    {
        for (int i = 0; i < n; i++) Unsafe.Add(ref dst, i) = T.Zero;
    }
}
