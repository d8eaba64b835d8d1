using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// <summary>B[kc x nc] into panels of NR columns, row by row, zero-padded: bp[(panel * kc + p) * NR + j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackB(T[] b, int at, int kc, int nc, T[] bp)
    {
        int rs = k.B.RowStride, cs = k.B.ColStride, nr = NR;
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
        if (cs == 1 || (rs != 1 && Math.Abs(cs) < Math.Abs(rs)))
        {
            // Row-major A: row i is contiguous along k; walk it down one lane of its panel.
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
                for (int ip = 0; ip < full; ip++)
                {
                    ref T from = ref Unsafe.Add(ref col, ip * MR * rs);
                    ref T panel = ref Unsafe.Add(ref to, ip * kc * MR);
                    for (int i = 0; i < MR; i++) Unsafe.Add(ref panel, i) = Unsafe.Add(ref from, i * rs);
                }
                for (int i = 0; i < rows; i++) Unsafe.Add(ref to, full * kc * MR + i) = Unsafe.Add(ref col, (full * MR + i) * rs);
            }
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
