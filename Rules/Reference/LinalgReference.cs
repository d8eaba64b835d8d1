namespace Tracer.Rules;

/// <summary>
/// Textbook, unblocked algorithms on one row-major matrix in double precision: the reference implementations (and
/// test oracle) of the linear-algebra primitives. Clarity over speed; the CPU backend has blocked kernels.
/// Failures follow LAPACK-backed JAX: a matrix that is not positive definite gives a Cholesky factor of NaNs, a
/// singular system gives infinities or NaNs, a singular determinant is sign 0 and log|det| = -inf.
/// </summary>
internal static class LinalgReference
{
    /// <summary>Lower Cholesky factor of the symmetric part (a + a^T) / 2 of the n x n matrix at a[o..].</summary>
    public static void Cholesky(double[] a, int o, int n, double[] l, int lo)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[o + j * n + j];
            for (int k = 0; k < j; k++) d -= l[lo + j * n + k] * l[lo + j * n + k];
            if (!(d > 0))
            {
                Array.Fill(l, double.NaN, lo, n * n);
                return;
            }
            double ljj = Math.Sqrt(d);
            l[lo + j * n + j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double s = (a[o + i * n + j] + a[o + j * n + i]) / 2;
                for (int k = 0; k < j; k++) s -= l[lo + i * n + k] * l[lo + j * n + k];
                l[lo + i * n + j] = s / ljj;
            }
            for (int i = 0; i < j; i++) l[lo + i * n + j] = 0;
        }
    }

    /// <summary>
    /// Solves op(A) X = B for X (n x k, written over b) with A triangular (lower or upper, only that triangle read)
    /// and op the identity or the transpose.
    /// </summary>
    public static void TriangularSolve(double[] a, int o, int n, double[] b, int bo, int k, bool lower, bool transpose)
    {
        // op(A)[i, j] = A[j, i] when transposed, which turns a lower matrix into an upper one.
        bool forward = lower != transpose;
        for (int step = 0; step < n; step++)
        {
            int i = forward ? step : n - 1 - step;
            double diag = a[o + i * n + i];
            for (int c = 0; c < k; c++)
            {
                double s = b[bo + i * k + c];
                for (int step2 = 0; step2 < step; step2++)
                {
                    int j = forward ? step2 : n - 1 - step2;
                    double aij = transpose ? a[o + j * n + i] : a[o + i * n + j];
                    s -= aij * b[bo + j * k + c];
                }
                b[bo + i * k + c] = s / diag;
            }
        }
    }

    /// <summary>
    /// LU factorisation with partial pivoting, in place: P A = L U with unit-diagonal L below U. Returns the row
    /// permutation (perm[i] = original row at position i) and the permutation's sign. A zero pivot is left in place
    /// (later divisions give infinities and NaNs, as LAPACK's getrs would).
    /// </summary>
    public static (int[] Perm, int Parity) Lu(double[] lu, int o, int n)
    {
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        int parity = 1;
        for (int j = 0; j < n; j++)
        {
            int p = j;
            for (int i = j + 1; i < n; i++)
            {
                if (Math.Abs(lu[o + i * n + j]) > Math.Abs(lu[o + p * n + j])) p = i;
            }
            if (p != j)
            {
                for (int c = 0; c < n; c++) (lu[o + j * n + c], lu[o + p * n + c]) = (lu[o + p * n + c], lu[o + j * n + c]);
                (perm[j], perm[p]) = (perm[p], perm[j]);
                parity = -parity;
            }
            double pivot = lu[o + j * n + j];
            if (pivot == 0) continue;
            for (int i = j + 1; i < n; i++)
            {
                double f = lu[o + i * n + j] /= pivot;
                for (int c = j + 1; c < n; c++) lu[o + i * n + c] -= f * lu[o + j * n + c];
            }
        }
        return (perm, parity);
    }

    /// <summary>X = A^-1 B through LU with partial pivoting (B is n x k).</summary>
    public static void Solve(double[] a, int o, int n, double[] b, int bo, int k, double[] x, int xo)
    {
        var lu = new double[n * n];
        Array.Copy(a, o, lu, 0, n * n);
        var (perm, _) = Lu(lu, 0, n);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < k; c++) x[xo + i * k + c] = b[bo + perm[i] * k + c];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
                for (int c = 0; c < k; c++) x[xo + i * k + c] -= lu[i * n + j] * x[xo + j * k + c];
        TriangularSolve(lu, 0, n, x, xo, k, lower: false, transpose: false);
    }

    /// <summary>(sign, log|det|) through LU: sign 0 and -inf for a singular matrix.</summary>
    public static (double Sign, double LogAbs) SlogDet(double[] a, int o, int n)
    {
        var lu = new double[n * n];
        Array.Copy(a, o, lu, 0, n * n);
        var (_, parity) = Lu(lu, 0, n);
        double sign = parity, log = 0;
        for (int i = 0; i < n; i++)
        {
            double d = lu[i * n + i];
            if (double.IsNaN(d)) return (double.NaN, double.NaN);
            if (d == 0) return (0, double.NegativeInfinity);
            if (d < 0) sign = -sign;
            log += Math.Log(Math.Abs(d));
        }
        return (sign, log);
    }

    /// <summary>
    /// Eigendecomposition of the symmetric part (a + a^T) / 2 by cyclic Jacobi rotations: ascending eigenvalues into
    /// w[wo..], eigenvectors as the columns of v[vo..].
    /// </summary>
    public static void Eigh(double[] a, int o, int n, double[] w, int wo, double[] v, int vo)
    {
        var s = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) s[i * n + j] = s[j * n + i] = (a[o + i * n + j] + a[o + j * n + i]) / 2;
        var q = new double[n * n];
        for (int i = 0; i < n; i++) q[i * n + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, total = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) (i == j ? ref total : ref off) += s[i * n + j] * s[i * n + j];
            if (off <= 1e-30 * (total + off) || off == 0) break;
            for (int p = 0; p < n - 1; p++)
            {
                for (int r = p + 1; r < n; r++)
                {
                    double apr = s[p * n + r];
                    if (apr == 0) continue;
                    // The rotation that zeroes s[p, r] (Golub & Van Loan, symmetric Schur decomposition).
                    double tau = (s[r * n + r] - s[p * n + p]) / (2 * apr);
                    double t = Math.Sign(tau == 0 ? 1 : tau) / (Math.Abs(tau) + Math.Sqrt(1 + tau * tau));
                    double c = 1 / Math.Sqrt(1 + t * t), sn = t * c;
                    Rotate(s, n, p, r, c, sn, columns: true);
                    Rotate(s, n, p, r, c, sn, columns: false);
                    Rotate(q, n, p, r, c, sn, columns: true);
                }
            }
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (x, y) => s[x * n + x].CompareTo(s[y * n + y]));
        for (int j = 0; j < n; j++)
        {
            w[wo + j] = s[order[j] * n + order[j]];
            for (int i = 0; i < n; i++) v[vo + i * n + j] = q[i * n + order[j]];
        }
    }

    /// <summary>Applies the plane rotation (p, r) to the columns (or rows) of an n x n matrix.</summary>
    private static void Rotate(double[] m, int n, int p, int r, double c, double s, bool columns)
    {
        for (int i = 0; i < n; i++)
        {
            ref double x = ref columns ? ref m[i * n + p] : ref m[p * n + i];
            ref double y = ref columns ? ref m[i * n + r] : ref m[r * n + i];
            (x, y) = (c * x - s * y, s * x + c * y);
        }
    }

    /// <summary>
    /// Reduced QR by Householder reflections: A (m x n) = Q (m x k) R (k x n), k = min(m, n), with LAPACK's sign
    /// convention (R's diagonal may be negative).
    /// </summary>
    public static void Qr(double[] a, int o, int m, int n, double[] q, int qo, double[] r, int ro)
    {
        int k = Math.Min(m, n);
        var w = new double[m * n];
        Array.Copy(a, o, w, 0, m * n);
        var vs = new double[k][];
        var betas = new double[k];
        for (int j = 0; j < k; j++)
        {
            double norm = 0;
            for (int i = j; i < m; i++) norm += w[i * n + j] * w[i * n + j];
            norm = Math.Sqrt(norm);
            var v = new double[m];
            double alpha = w[j * n + j] > 0 ? -norm : norm;
            for (int i = j; i < m; i++) v[i] = w[i * n + j];
            v[j] -= alpha;
            double vv = 0;
            for (int i = j; i < m; i++) vv += v[i] * v[i];
            vs[j] = v;
            betas[j] = vv == 0 ? 0 : 2 / vv;
            ApplyReflector(w, m, n, v, betas[j], j, 0);
        }
        for (int i = 0; i < k; i++)
            for (int c = 0; c < n; c++) r[ro + i * n + c] = c < i ? 0 : w[i * n + c];
        // Q = H0 H1 ... H(k-1) applied to the first k columns of the identity.
        var qm = new double[m * k];
        for (int i = 0; i < k; i++) qm[i * k + i] = 1;
        for (int j = k - 1; j >= 0; j--) ApplyReflector(qm, m, k, vs[j], betas[j], j, 0);
        Array.Copy(qm, 0, q, qo, m * k);
    }

    /// <summary>x := (I - beta v v^T) x on rows from..m-1 of the m x cols matrix x.</summary>
    private static void ApplyReflector(double[] x, int m, int cols, double[] v, double beta, int from, int col0)
    {
        if (beta == 0) return;
        for (int c = col0; c < cols; c++)
        {
            double dot = 0;
            for (int i = from; i < m; i++) dot += v[i] * x[i * cols + c];
            dot *= beta;
            for (int i = from; i < m; i++) x[i * cols + c] -= dot * v[i];
        }
    }

    /// <summary>
    /// Reduced SVD by one-sided Jacobi (Hestenes) rotations on the columns of A (or of A^T when m &lt; n): U (m x k),
    /// descending S (k), Vh (k x n).
    /// </summary>
    public static void Svd(double[] a, int o, int m, int n, double[] u, int uo, double[] s, int so, double[] vh, int vho)
    {
        bool wide = m < n;
        int rows = wide ? n : m, cols = wide ? m : n;     // work on the tall matrix W = A or A^T
        var w = new double[rows * cols];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) w[wide ? j * cols + i : i * cols + j] = a[o + i * n + j];
        var v = new double[cols * cols];
        for (int i = 0; i < cols; i++) v[i * cols + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < cols - 1; p++)
            {
                for (int q = p + 1; q < cols; q++)
                {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        alpha += w[i * cols + p] * w[i * cols + p];
                        beta += w[i * cols + q] * w[i * cols + q];
                        gamma += w[i * cols + p] * w[i * cols + q];
                    }
                    if (Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta) || gamma == 0) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double c = 1 / Math.Sqrt(1 + t * t), sn = c * t;
                    for (int i = 0; i < rows; i++)
                    {
                        double x = w[i * cols + p], y = w[i * cols + q];
                        (w[i * cols + p], w[i * cols + q]) = (c * x - sn * y, sn * x + c * y);
                    }
                    for (int i = 0; i < cols; i++)
                    {
                        double x = v[i * cols + p], y = v[i * cols + q];
                        (v[i * cols + p], v[i * cols + q]) = (c * x - sn * y, sn * x + c * y);
                    }
                }
            }
            if (!rotated) break;
        }
        // Column norms are the singular values; W's normalised columns the left vectors of W.
        var norms = new double[cols];
        var order = new int[cols];
        for (int j = 0; j < cols; j++)
        {
            double ss = 0;
            for (int i = 0; i < rows; i++) ss += w[i * cols + j] * w[i * cols + j];
            norms[j] = Math.Sqrt(ss);
            order[j] = j;
        }
        Array.Sort(order, (x, y) => norms[y].CompareTo(norms[x]));
        int k = cols;
        for (int jj = 0; jj < k; jj++)
        {
            int j = order[jj];
            s[so + jj] = norms[j];
            double inv = norms[j] == 0 ? 0 : 1 / norms[j];
            // W = Uw S Vw^T; for A = W^T the roles swap: U = Vw, Vh = Uw^T.
            for (int i = 0; i < rows; i++)
            {
                double uw = w[i * cols + j] * inv;
                if (wide) vh[vho + jj * n + i] = uw;
                else u[uo + i * k + jj] = uw;
            }
            for (int i = 0; i < cols; i++)
            {
                if (wide) u[uo + i * k + jj] = v[i * cols + j];
                else vh[vho + jj * n + i] = v[i * cols + j];
            }
        }
    }
}
