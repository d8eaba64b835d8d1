using System.Numerics;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Right-looking blocked Cholesky and LU and blocked triangular solves on one row-major matrix: each step factors a
/// narrow panel with the unblocked algorithm and hands the trailing update, where nearly all the flops are, to the
/// GEMM (<see cref="BlockUpdate{T}"/>). Failures follow LAPACK-backed JAX: a non-positive-definite matrix gives a
/// factor of NaNs, a zero pivot is left in place so later divisions give infinities and NaNs.
/// </summary>
internal sealed class Factorizations<T>(BlockUpdate<T> update) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Panel widths: wide enough for the GEMM's trailing updates to run near its peak, narrow enough for the
    /// unblocked panel work (vector dot products for Cholesky and the solves, short row updates for LU, whose
    /// panels are therefore blocked once more) to stay a small share.
    /// </summary>
    public const int Block = 128, LuBlock = 128, LuInnerBlock = 16;

    /// <summary>
    /// In place: l (n x n, holding the symmetric part of a) becomes its lower Cholesky factor, upper triangle zeroed.
    /// Returns false (and fills l with NaN) when the matrix is not positive definite.
    /// </summary>
    public bool Cholesky(T[] l, int o, int n)
    {
        for (int k0 = 0; k0 < n; k0 += Block)
        {
            int kb = Math.Min(Block, n - k0);
            // Diagonal block, unblocked (its trailing updates from earlier panels are already applied).
            for (int j = k0; j < k0 + kb; j++)
            {
                var lrow = l.AsSpan(o + j * n + k0, j - k0);
                T d = l[o + j * n + j] - VectorLoops.Dot<T>(lrow, lrow);
                if (!(d > T.Zero))
                {
                    Array.Fill(l, T.NaN, o, n * n);
                    return false;
                }
                T ljj = T.Sqrt(d);
                l[o + j * n + j] = ljj;
                for (int i = j + 1; i < k0 + kb; i++)
                {
                    T s = l[o + i * n + j] - VectorLoops.Dot<T>(l.AsSpan(o + i * n + k0, j - k0), lrow);
                    l[o + i * n + j] = s / ljj;
                }
            }
            int rest = n - k0 - kb;
            if (rest == 0) break;
            // Panel below: L21 = A21 L11^-T, row by row (forward substitution against L11's rows).
            for (int i = k0 + kb; i < n; i++)
            {
                int row = o + i * n;
                for (int j = k0; j < k0 + kb; j++)
                {
                    int lj = o + j * n;
                    T s = l[row + j] - VectorLoops.Dot<T>(l.AsSpan(row + k0, j - k0), l.AsSpan(lj + k0, j - k0));
                    l[row + j] = s / l[lj + j];
                }
            }
            // Trailing update of the lower triangle, one block column at a time: A22[i, j] -= L21[i] L21[j]^T.
            for (int j0 = k0 + kb; j0 < n; j0 += Block)
            {
                int jb = Math.Min(Block, n - j0);
                update.SubtractProduct(l, o + j0 * n + k0, n, 1, l, o + j0 * n + k0, 1, n, l, o + j0 * n + j0, n, n - j0, jb, kb);
            }
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) l[o + i * n + j] = T.Zero;
        return true;
    }

    /// <summary>
    /// In place LU with partial pivoting (P a = L U, unit L below U): perm[i] is the original row now at i. Returns
    /// the permutation's sign. Row swaps exchange whole rows, so later panels see them applied. Two levels of
    /// blocking: a panel of <see cref="LuBlock"/> columns is itself factored in narrow blocks of
    /// <see cref="LuInnerBlock"/> columns, each removed from the rest of the panel by a GEMM, so only the narrow
    /// blocks run the unblocked elimination.
    /// </summary>
    public int Lu(T[] a, int o, int n, int[] perm)
    {
        for (int i = 0; i < n; i++) perm[i] = i;
        int parity = 1;
        for (int k0 = 0; k0 < n; k0 += LuBlock)
        {
            int kb = Math.Min(LuBlock, n - k0);
            for (int j0 = k0; j0 < k0 + kb; j0 += LuInnerBlock)
            {
                int jb = Math.Min(LuInnerBlock, k0 + kb - j0);
                parity *= Eliminate(a, o, n, j0, jb, perm);
                UpdateRight(a, o, n, j0, jb, k0 + kb);
            }
            UpdateRight(a, o, n, k0, kb, n);
        }
        return parity;
    }

    /// <summary>
    /// Unblocked partial-pivoting elimination of columns [c0, c0 + cb) over every row below, touching only those
    /// columns (and swapping whole rows). Returns the sign of the swaps made.
    /// </summary>
    private int Eliminate(T[] a, int o, int n, int c0, int cb, int[] perm)
    {
        int parity = 1;
        for (int j = c0; j < c0 + cb; j++)
        {
            int p = j;
            T best = T.Abs(a[o + j * n + j]);
            for (int i = j + 1; i < n; i++)
            {
                T v = T.Abs(a[o + i * n + j]);
                if (v > best) (best, p) = (v, i);
            }
            if (p != j)
            {
                a.AsSpan(o + j * n, n).CopyTo(swapRow(n));
                a.AsSpan(o + p * n, n).CopyTo(a.AsSpan(o + j * n, n));
                swapRow(n).CopyTo(a.AsSpan(o + p * n, n));
                (perm[j], perm[p]) = (perm[p], perm[j]);
                parity = -parity;
            }
            T pivot = a[o + j * n + j];
            if (pivot == T.Zero) continue;
            T inv = T.One / pivot;
            int width = c0 + cb - j - 1;
            for (int i = j + 1; i < n; i++)
            {
                int row = o + i * n;
                T f = a[row + j] *= inv;
                if (f == T.Zero || width == 0) continue;
                VectorLoops.SubtractScaled<T>(a.AsSpan(row + j + 1, width), a.AsSpan(o + j * n + j + 1, width), f);
            }
        }
        return parity;
    }

    /// <summary>
    /// After columns [c0, c0 + cb) are eliminated: U12 = L11^-1 A12 on their rows for columns up to
    /// <paramref name="colEnd"/> (unit lower, forward substitution), then A22 -= L21 U12 below them (GEMM).
    /// </summary>
    private void UpdateRight(T[] a, int o, int n, int c0, int cb, int colEnd)
    {
        int width = colEnd - c0 - cb;
        if (width <= 0) return;
        for (int i = c0 + 1; i < c0 + cb; i++)
        {
            int row = o + i * n;
            for (int p = c0; p < i; p++)
            {
                T f = a[row + p];
                if (f == T.Zero) continue;
                VectorLoops.SubtractScaled<T>(a.AsSpan(row + c0 + cb, width), a.AsSpan(o + p * n + c0 + cb, width), f);
            }
        }
        int below = n - c0 - cb;
        if (below <= 0) return;
        update.SubtractProduct(a, o + (c0 + cb) * n + c0, n, 1, a, o + c0 * n + c0 + cb, n, 1, a, o + (c0 + cb) * n + c0 + cb, n,
            below, width, cb);
    }

    private T[] swap = [];

    private Span<T> swapRow(int n)
    {
        if (swap.Length < n) swap = new T[n];
        return swap.AsSpan(0, n);
    }

    /// <summary>
    /// X = op(A)^-1 B in place over b (n x k, rows k apart) for triangular A (n x n): op(A) = A or A^T, only the named
    /// triangle read; a unit diagonal is assumed, not read, when <paramref name="unit"/>. Blocked: each block of rows is
    /// solved against its diagonal block, then removed from the remaining rows with one GEMM.
    /// </summary>
    public void TriangularSolve(T[] a, int ao, int n, T[] b, int bo, int k, bool lower, bool transpose, bool unit = false)
    {
        // op(A)[i, j] lies at ao + i * rs + j * cs; a lower A transposed is upper, and the other way round.
        int rs = transpose ? 1 : n, cs = transpose ? n : 1;
        bool forward = lower != transpose;
        for (int s0 = 0; s0 < n; s0 += Block)
        {
            int sb = Math.Min(Block, n - s0);
            int r0 = forward ? s0 : n - s0 - sb;                  // this block's rows [r0, r0 + sb)
            for (int step = 0; step < sb; step++)
            {
                int i = forward ? r0 + step : r0 + sb - 1 - step;
                int bi = bo + i * k;
                if (k == 1 && cs == 1 && step > 0)
                {
                    // One right-hand side and a contiguous row of op(A): the solved entries are one dot product.
                    int j0 = forward ? r0 : i + 1;
                    b[bi] -= VectorLoops.Dot<T>(a.AsSpan(ao + i * rs + j0, step), b.AsSpan(bo + j0, step));
                }
                else for (int step2 = 0; step2 < step; step2++)
                {
                    int j = forward ? r0 + step2 : r0 + sb - 1 - step2;
                    T aij = a[ao + i * rs + j * cs];
                    if (aij == T.Zero) continue;
                    VectorLoops.SubtractScaled<T>(b.AsSpan(bi, k), b.AsSpan(bo + j * k, k), aij);
                }
                if (unit) continue;
                T inv = T.One / a[ao + i * rs + i * cs];
                for (int c = 0; c < k; c++) b[bi + c] *= inv;
            }
            // The rows still to solve lose this block's contribution.
            int left = n - s0 - sb;
            if (left == 0) break;
            int t0 = forward ? r0 + sb : 0;
            update.SubtractProduct(a, ao + t0 * rs + r0 * cs, rs, cs, b, bo + r0 * k, k, 1, b, bo + t0 * k, k, left, k, sb);
        }
    }

    /// <summary>X = A^-1 B through the blocked LU; lu (n x n) and perm are scratch, x receives the solution.</summary>
    public void Solve(T[] a, int ao, int n, T[] b, int bo, int k, T[] x, int xo, T[] lu, int[] perm)
    {
        Array.Copy(a, ao, lu, 0, n * n);
        Lu(lu, 0, n, perm);
        for (int i = 0; i < n; i++) Array.Copy(b, bo + perm[i] * k, x, xo + i * k, k);
        TriangularSolve(lu, 0, n, x, xo, k, lower: true, transpose: false, unit: true);
        TriangularSolve(lu, 0, n, x, xo, k, lower: false, transpose: false);
    }
}
