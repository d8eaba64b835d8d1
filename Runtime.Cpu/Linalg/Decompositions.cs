using System.Numerics;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// The orthogonal decompositions on one row-major matrix, arranged so the inner loops run along rows:
/// symmetric eigensolver by Householder tridiagonalisation + implicit QR with Wilkinson shifts (Golub and Van Loan
/// 8.3), Householder QR, and SVD by one-sided Jacobi rotations (Hestenes) on the rows of the transposed matrix,
/// which is accurate for small singular values where the eigenvalues of A^T A are not.
/// </summary>
internal sealed class Decompositions<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Eps = typeof(T) == typeof(float) ? T.CreateTruncating(1.1920929e-7) : T.CreateTruncating(2.220446049250313e-16);
    private static readonly T Two = T.CreateTruncating(2);
    private T[] w = [], z = [], vs = [], betas = [], t = [], dd = [], ee = [];
    private int[] order = [];

    private static T[] Grow(ref T[] a, int n) => a.Length >= n ? a : a = new T[n];

    /// <summary>Ascending eigenvalues of (a + a^T) / 2 into values[vo..], eigenvectors as columns of vectors[xo..].</summary>
    public void Eigh(T[] a, int o, int n, T[] values, int vo, T[] vectors, int xo)
    {
        if (n == 0) return;
        var s = Grow(ref w, n * n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) s[i * n + j] = (a[o + i * n + j] + a[o + j * n + i]) / Two;
        var d = Grow(ref dd, n);
        var e = Grow(ref ee, n);
        var v = Grow(ref vs, n * n);
        var beta = Grow(ref betas, n);
        var p = Grow(ref t, n);
        // Householder step k zeroes row/column k beyond the subdiagonal: S' = H S H on the trailing block.
        for (int k = 0; k < n - 2; k++)
        {
            int m = n - k - 1, row = k * n + k + 1;
            beta[k] = House(s, row, m, v, k * n + k + 1, out T alpha);
            d[k] = s[k * n + k];
            e[k] = alpha;
            if (beta[k] == T.Zero) continue;
            // p = beta S v, w = p - (beta/2)(p.v) v, S -= v w^T + w v^T (S symmetric, rows contiguous).
            T pv = T.Zero;
            for (int i = 0; i < m; i++)
            {
                T acc = T.Zero;
                int r = (k + 1 + i) * n + k + 1;
                for (int j = 0; j < m; j++) acc += s[r + j] * v[row + j];
                p[i] = beta[k] * acc;
                pv += p[i] * v[row + i];
            }
            T half = beta[k] * pv / Two;
            for (int i = 0; i < m; i++) p[i] -= half * v[row + i];
            for (int i = 0; i < m; i++)
            {
                int r = (k + 1 + i) * n + k + 1;
                T vi = v[row + i], wi = p[i];
                for (int j = 0; j < m; j++) s[r + j] -= vi * p[j] + wi * v[row + j];
            }
        }
        if (n >= 2)
        {
            d[n - 2] = s[(n - 2) * n + n - 2];
            e[n - 2] = s[(n - 1) * n + n - 2];
        }
        d[n - 1] = s[(n - 1) * n + n - 1];

        // Q = H0 H1 ... H(n-3), built from the right; zt = Q^T so later rotations touch contiguous rows.
        var q = Grow(ref z, n * n);
        Array.Clear(q, 0, n * n);
        for (int i = 0; i < n; i++) q[i * n + i] = T.One;
        for (int k = n - 3; k >= 0; k--) ApplyLeft(q, n, n, v, k * n + k + 1, beta[k], k + 1, p);
        Transpose(q, s, n);                          // s = Q^T
        TridiagonalQr(d, e, s, n);

        var ord = order.Length >= n ? order : order = new int[n];
        for (int i = 0; i < n; i++) ord[i] = i;
        Array.Sort(ord, 0, n, Comparer<int>.Create((x, y) => d[x].CompareTo(d[y])));
        for (int j = 0; j < n; j++)
        {
            values[vo + j] = d[ord[j]];
            for (int i = 0; i < n; i++) vectors[xo + i * n + j] = s[ord[j] * n + i];
        }
    }

    /// <summary>
    /// Diagonalises the symmetric tridiagonal (d, e) by implicit QR steps with Wilkinson shifts, rotating the rows of
    /// zt (the transposed eigenvector matrix) along. Converged off-diagonals are deflated from the bottom.
    /// </summary>
    private static void TridiagonalQr(T[] d, T[] e, T[] zt, int n)
    {
        int hi = n - 1, budget = 60 * n;
        while (hi > 0 && budget-- > 0)
        {
            if (T.Abs(e[hi - 1]) <= Eps * (T.Abs(d[hi - 1]) + T.Abs(d[hi])))
            {
                e[hi - 1] = T.Zero;
                hi--;
                continue;
            }
            int lo = hi - 1;
            while (lo > 0 && T.Abs(e[lo - 1]) > Eps * (T.Abs(d[lo - 1]) + T.Abs(d[lo]))) lo--;
            T delta = (d[hi - 1] - d[hi]) / Two, off = e[hi - 1];
            T sign = delta >= T.Zero ? T.One : -T.One;
            T mu = d[hi] - off * off / (delta + sign * T.Hypot(delta, off));
            T x = d[lo] - mu, zz = e[lo], bulge = T.Zero;
            for (int k = lo; k < hi; k++)
            {
                T r = T.Hypot(x, zz);
                T c = r == T.Zero ? T.One : x / r, s = r == T.Zero ? T.Zero : -zz / r;
                if (k > lo) e[k - 1] = r;
                T a = d[k], b = e[k], cc = d[k + 1];
                d[k] = c * c * a - Two * c * s * b + s * s * cc;
                d[k + 1] = s * s * a + Two * c * s * b + c * c * cc;
                e[k] = c * s * (a - cc) + (c * c - s * s) * b;
                if (k + 1 < hi)
                {
                    bulge = -s * e[k + 1];
                    e[k + 1] = c * e[k + 1];
                }
                Rotate(zt, k * n, (k + 1) * n, n, c, s);
                x = e[k];
                zz = bulge;
            }
        }
    }

    /// <summary>Rows r1, r2 of length n become c r1 - s r2 and s r1 + c r2.</summary>
    private static void Rotate(T[] m, int r1, int r2, int n, T c, T s)
    {
        for (int i = 0; i < n; i++)
        {
            T x = m[r1 + i], y = m[r2 + i];
            m[r1 + i] = c * x - s * y;
            m[r2 + i] = s * x + c * y;
        }
    }

    /// <summary>
    /// The reflector H = I - beta v v^T with H x = alpha e1 for x = src[at..at+m): v is written to v[vo..], LAPACK's
    /// sign (alpha = -sign(x0) |x|); beta = 0 (H = I) when x is already a multiple of e1.
    /// </summary>
    private static T House(T[] src, int at, int m, T[] v, int vo, out T alpha)
    {
        T below = T.Zero;
        for (int i = 1; i < m; i++) below += src[at + i] * src[at + i];
        T x0 = src[at];
        if (below == T.Zero)
        {
            alpha = x0;
            for (int i = 0; i < m; i++) v[vo + i] = T.Zero;
            return T.Zero;
        }
        T norm = T.Sqrt(x0 * x0 + below);
        alpha = x0 > T.Zero ? -norm : norm;
        v[vo] = x0 - alpha;
        for (int i = 1; i < m; i++) v[vo + i] = src[at + i];
        return Two / (v[vo] * v[vo] + below);
    }

    /// <summary>m (rows x cols): rows from..rows-1 -= beta v (v^T m) (H applied from the left), row by row.</summary>
    private static void ApplyLeft(T[] m, int rows, int cols, T[] v, int vo, T beta, int from, T[] tmp)
    {
        if (beta == T.Zero) return;
        var acc = tmp.AsSpan(0, cols);
        acc.Clear();
        for (int i = from; i < rows; i++)
        {
            T vi = v[vo + i - from];
            if (vi == T.Zero) continue;
            for (int c = 0; c < cols; c++) acc[c] += vi * m[i * cols + c];
        }
        for (int i = from; i < rows; i++)
        {
            T f = beta * v[vo + i - from];
            if (f == T.Zero) continue;
            for (int c = 0; c < cols; c++) m[i * cols + c] -= f * acc[c];
        }
    }

    private static void Transpose(T[] src, T[] dst, int n)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) dst[j * n + i] = src[i * n + j];
    }

    /// <summary>Reduced Householder QR of a (m x n) into q (m x k) and upper r (k x n), k = min(m, n).</summary>
    public void Qr(T[] a, int o, int m, int n, T[] q, int qo, T[] r, int ro)
    {
        int k = Math.Min(m, n);
        var s = Grow(ref w, m * n);
        Array.Copy(a, o, s, 0, m * n);
        var v = Grow(ref vs, k * m);
        var beta = Grow(ref betas, k);
        var col = Grow(ref dd, m);
        var tmp = Grow(ref t, Math.Max(m, n));
        for (int j = 0; j < k; j++)
        {
            for (int i = j; i < m; i++) col[i] = s[i * n + j];
            beta[j] = House(col, j, m - j, v, j * m, out T alpha);
            ApplyLeft(s, m, n, v, j * m, beta[j], j, tmp);
            if (beta[j] != T.Zero)
            {
                s[j * n + j] = alpha;
                for (int i = j + 1; i < m; i++) s[i * n + j] = T.Zero;
            }
        }
        for (int i = 0; i < k; i++)
            for (int c = 0; c < n; c++) r[ro + i * n + c] = c < i ? T.Zero : s[i * n + c];
        // Q = H0 ... H(k-1) applied to the first k columns of the identity, built from the right.
        var qm = Grow(ref z, m * k);
        Array.Clear(qm, 0, m * k);
        for (int i = 0; i < k; i++) qm[i * k + i] = T.One;
        for (int j = k - 1; j >= 0; j--) ApplyLeft(qm, m, k, v, j * m, beta[j], j, tmp);
        Array.Copy(qm, 0, q, qo, m * k);
    }

    /// <summary>
    /// Reduced SVD by one-sided Jacobi: the columns of the tall one of a and a^T (held as rows, so every dot product
    /// and rotation is contiguous) are rotated until mutually orthogonal; their norms are the singular values.
    /// </summary>
    public void Svd(T[] a, int o, int m, int n, T[] u, int uo, T[] sv, int so, T[] vh, int vho)
    {
        bool wide = m < n;
        int rows = wide ? n : m, cols = wide ? m : n;          // W = a (or a^T) is rows x cols, cols <= rows
        var wt = Grow(ref w, rows * cols);                      // W^T: column j of W is row j here
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) wt[wide ? i * n + j : j * m + i] = a[o + i * n + j];
        var vt = Grow(ref z, cols * cols);                      // V^T of W's decomposition, rows rotated along
        Array.Clear(vt, 0, cols * cols);
        for (int i = 0; i < cols; i++) vt[i * cols + i] = T.One;
        for (int sweep = 0; sweep < 60; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < cols - 1; p++)
            {
                for (int r = p + 1; r < cols; r++)
                {
                    T alpha = T.Zero, beta = T.Zero, gamma = T.Zero;
                    int rp = p * rows, rr = r * rows;
                    for (int i = 0; i < rows; i++)
                    {
                        T x = wt[rp + i], y = wt[rr + i];
                        alpha += x * x;
                        beta += y * y;
                        gamma += x * y;
                    }
                    if (gamma == T.Zero || T.Abs(gamma) <= Eps * T.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    T zeta = (beta - alpha) / (Two * gamma);
                    T tt = (zeta >= T.Zero ? T.One : -T.One) / (T.Abs(zeta) + T.Sqrt(T.One + zeta * zeta));
                    T c = T.One / T.Sqrt(T.One + tt * tt), sn = c * tt;
                    Rotate(wt, rp, rr, rows, c, sn);
                    Rotate(vt, p * cols, r * cols, cols, c, sn);
                }
            }
            if (!rotated) break;
        }
        var norms = Grow(ref dd, cols);
        var ord = order.Length >= cols ? order : order = new int[cols];
        for (int j = 0; j < cols; j++)
        {
            T ss = T.Zero;
            for (int i = 0; i < rows; i++) ss += wt[j * rows + i] * wt[j * rows + i];
            norms[j] = T.Sqrt(ss);
            ord[j] = j;
        }
        Array.Sort(ord, 0, cols, Comparer<int>.Create((x, y) => norms[y].CompareTo(norms[x])));
        for (int jj = 0; jj < cols; jj++)
        {
            int j = ord[jj];
            sv[so + jj] = norms[j];
            T inv = norms[j] == T.Zero ? T.Zero : T.One / norms[j];
            // W = Uw S Vw^T; for a = W^T the factors swap: U = Vw, Vh = Uw^T.
            for (int i = 0; i < rows; i++)
            {
                T uw = wt[j * rows + i] * inv;
                if (wide) vh[vho + jj * n + i] = uw;
                else u[uo + i * cols + jj] = uw;
            }
            for (int i = 0; i < cols; i++)
            {
                if (wide) u[uo + i * cols + jj] = vt[j * cols + i];
                else vh[vho + jj * n + i] = vt[j * cols + i];
            }
        }
    }
}
