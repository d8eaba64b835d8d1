using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The CPU kernels of the linear-algebra primitives against the reference implementations (sizes past one 64-wide
/// block so the blocked paths and their GEMM updates run) and against reconstruction identities on well- and
/// ill-conditioned matrices. Decompositions whose signs are arbitrary are compared through sign-free quantities.
/// </summary>
[TestClass]
public sealed class LinalgKernelTests
{
    private static Node Op(OpCode op, Node a, int index = 0) => Ir.B.Emit(op, new Attrs { Index = index }, a);

    private static double[] Matrix(Random rng, int rows, int cols, double scale = 1)
    {
        var a = new double[rows * cols];
        for (int i = 0; i < a.Length; i++) a[i] = scale * (2 * rng.NextDouble() - 1);
        return a;
    }

    /// <summary>x x^T + n I: symmetric positive definite.</summary>
    private static double[] Spd(Random rng, int n)
    {
        var x = Matrix(rng, n, n);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = i == j ? n : 0;
                for (int k = 0; k < n; k++) s += x[i * n + k] * x[j * n + k];
                a[i * n + j] = s;
            }
        return a;
    }

    /// <summary>Q diag(10^(-decades * i / (n-1))) Q^T with a random orthogonal Q: condition number 10^decades.</summary>
    private static double[] IllConditioned(Random rng, int n, double decades)
    {
        var q = new double[n * n];
        var r = new double[n * n];
        LinalgReference.Qr(Matrix(rng, n, n), 0, n, n, q, 0, r, 0);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += q[i * n + k] * Math.Pow(10, -decades * k / (n - 1)) * q[j * n + k];
                a[i * n + j] = s;
            }
        return a;
    }

    private static Array Cast(double[] x, DType dtype) => HostArrays.FromDouble(x, dtype);

    private static double[] D(Array x) => HostArrays.ToDouble(x);

    private static Array[] Run(Graph g, params Array[] inputs) => CompileFast(g).Run(inputs);

    private static void Close(double[] expected, double[] actual, double tol, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double scale = 1;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * scale))
                Assert.Fail($"{what}: [{i}] expected {expected[i]:R}, got {actual[i]:R} (tolerance {tol} x {scale})");
        }
    }

    private static double[] MatMul(double[] a, double[] b, int m, int k, int n, bool transposeB = false)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * (transposeB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    [TestMethod]
    [DataRow(DType.Float64, 150, 1e-11)]
    [DataRow(DType.Float32, 70, 2e-5)]
    public void CholeskyTriangularSolveAndSolveMatchTheReference(DType dtype, int n, double tol)
    {
        var rng = new Random(n);
        var a = Cast(Spd(rng, n), dtype);
        var b = Cast(Matrix(rng, n, 3), dtype);
        var types = new[] { T(dtype, n, n), T(dtype, n, 3) };
        var g = Build(types, xs =>
        {
            var l = Op(OpCode.Cholesky, xs[0]);
            return [l, LinalgIr.TriangularSolve(l, xs[1], true, false), LinalgIr.TriangularSolve(l, xs[1], true, true),
                LinalgIr.TriangularSolve(Ir.TransposeLast2(l), xs[1], false, false), LinalgIr.Solve(xs[0], xs[1]),
                Op(OpCode.SlogDet, xs[0], 0), Op(OpCode.SlogDet, xs[0], 1)];
        });
        var expected = Interpreter.Run(RuleTable.Default, g, [a, b]);
        var actual = Run(g, a, b);
        string[] names = ["cholesky", "lower solve", "lower transposed solve", "upper solve", "solve", "sign", "log|det|"];
        for (int i = 0; i < names.Length; i++) Close(D(expected[i]), D(actual[i]), tol * (i == 6 ? 1 : n), $"{dtype} {names[i]}");
        // L L^T = A.
        var l2 = D(actual[0]);
        Close(D(a), MatMul(l2, l2, n, n, n, transposeB: true), tol * n, $"{dtype} L L^T");
    }

    /// <summary>
    /// Condition number 1e10: the factors are backward stable, so L L^T and A x reproduce A and b to rounding
    /// relative to |A| |x|, although x itself carries the conditioning's error.
    /// </summary>
    [TestMethod]
    public void IllConditionedFactorisationsAreBackwardStable()
    {
        var rng = new Random(8);
        int n = 140;
        var a = IllConditioned(rng, n, 10);
        var b = Matrix(rng, n, 1);
        var g = Build([T(DType.Float64, n, n), T(DType.Float64, n, 1)], xs => [Op(OpCode.Cholesky, xs[0]), LinalgIr.Solve(xs[0], xs[1])]);
        var outs = Run(g, a, b);
        var (l, x) = (D(outs[0]), D(outs[1]));
        Close(a, MatMul(l, l, n, n, n, transposeB: true), 1e-14 * n, "L L^T = A");
        double xNorm = x.Max(Math.Abs);
        var ax = MatMul(a, x, n, n, 1);
        for (int i = 0; i < n; i++) Assert.AreEqual(b[i], ax[i], 1e-14 * n * xNorm, $"(A x)[{i}]");
    }

    [TestMethod]
    public void BatchedSolveOfAGeneralMatrixAgreesWithTheReference()
    {
        var rng = new Random(5);
        int n = 130;
        var a = new double[2 * n * n];
        Matrix(rng, 2, n * n).CopyTo(a, 0);
        var b = Matrix(rng, 2 * n, 2);
        var g = Build([T(DType.Float64, 2, n, n), T(DType.Float64, 2, n, 2)], xs => [LinalgIr.Solve(xs[0], xs[1])]);
        var x = D(Run(g, a, b)[0]);
        for (int m = 0; m < 2; m++)
        {
            var am = a[(m * n * n)..((m + 1) * n * n)];
            Close(b[(m * n * 2)..((m + 1) * n * 2)], MatMul(am, x[(m * n * 2)..((m + 1) * n * 2)], n, n, 2), 1e-10, $"A x = b, matrix {m}");
        }
    }

    [TestMethod]
    public void FailuresGiveNaNAndZeroDeterminantsAsLapackBackedJax()
    {
        var g = Build([T(DType.Float64, 3, 3)], xs => [Op(OpCode.Cholesky, xs[0]), Op(OpCode.SlogDet, xs[0], 0), Op(OpCode.SlogDet, xs[0], 1)]);
        var indefinite = new double[] { 1, 2, 3, 2, 1, 4, 3, 4, 1 };
        var outs = Run(g, indefinite);
        Assert.IsTrue(Array.TrueForAll(D(outs[0]), double.IsNaN), "cholesky of an indefinite matrix is all NaN");
        var singular = new double[] { 1, 2, 3, 2, 4, 6, 1, 0, 1 };
        outs = Run(g, singular);
        Assert.AreEqual(0.0, D(outs[1])[0]);
        Assert.AreEqual(double.NegativeInfinity, D(outs[2])[0]);
    }

    [TestMethod]
    [DataRow(DType.Float64, 40, 1e-12)]
    [DataRow(DType.Float32, 12, 1e-5)]
    public void EighReconstructsAndMatchesTheReferenceUpToSigns(DType dtype, int n, double tol)
    {
        var rng = new Random(11);
        foreach (var (name, src) in new[] { ("random", Symmetric(Matrix(rng, n, n), n)), ("ill-conditioned", IllConditioned(rng, n, 10)) })
        {
            var a = Cast(src, dtype);
            var g = Build([T(dtype, n, n)], xs => [Op(OpCode.Eigh, xs[0], 0), Op(OpCode.Eigh, xs[0], 1)]);
            var exe = CompileFast(g);
            Assert.AreEqual(1, exe.Program.Kernels.Count(k => k is HostOpKernel { Results: not null }), "one eigensolver run for both results");
            var outs = exe.Run([a]);
            var (w, v) = (D(outs[0]), D(outs[1]));
            var expected = Interpreter.Run(RuleTable.Default, g, [a]);
            Close(D(expected[0]), w, tol * n, $"{dtype} {name} eigenvalues");
            for (int i = 1; i < n; i++) Assert.IsTrue(w[i - 1] <= w[i], "ascending");
            // A V = V diag(w) and V^T V = I.
            var sym = D(a);
            var av = MatMul(sym, v, n, n, n);
            var vl = new double[n * n];
            for (int i = 0; i < n * n; i++) vl[i] = v[i] * w[i % n];
            Close(av, vl, tol * n, $"{dtype} {name} A V = V diag(w)");
            var vtv = MatMul(Transpose(v, n, n), v, n, n, n);
            Close(Identity(n), vtv, tol * n, $"{dtype} {name} V^T V = I");
        }
    }

    [TestMethod]
    [DataRow(DType.Float64, 90, 40, 1e-12)]
    [DataRow(DType.Float64, 30, 50, 1e-12)]
    [DataRow(DType.Float32, 10, 7, 1e-5)]
    public void QrAndSvdReconstruct(DType dtype, int m, int n, double tol)
    {
        var rng = new Random(m * n);
        int k = Math.Min(m, n);
        var a = Cast(Matrix(rng, m, n), dtype);
        var g = Build([T(dtype, m, n)], xs => [Op(OpCode.Qr, xs[0], 0), Op(OpCode.Qr, xs[0], 1),
            Op(OpCode.Svd, xs[0], 0), Op(OpCode.Svd, xs[0], 1), Op(OpCode.Svd, xs[0], 2)]);
        var outs = Run(g, a);
        var expected = Interpreter.Run(RuleTable.Default, g, [a]);
        var (q, r, u, s, vh) = (D(outs[0]), D(outs[1]), D(outs[2]), D(outs[3]), D(outs[4]));
        var ad = D(a);
        Close(ad, MatMul(q, r, m, k, n), tol * m, $"{dtype} Q R = A");
        Close(Identity(k), MatMul(Transpose(q, m, k), q, k, m, k), tol * m, $"{dtype} Q^T Q = I");
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++) Assert.AreEqual(0.0, r[i * n + j], "R is upper triangular");
        var us = new double[m * k];
        for (int i = 0; i < m * k; i++) us[i] = u[i] * s[i % k];
        Close(ad, MatMul(us, vh, m, k, n), tol * m, $"{dtype} U S Vh = A");
        Close(D(expected[3]), s, tol * m, $"{dtype} singular values against the reference");
        for (int i = 1; i < k; i++) Assert.IsTrue(s[i - 1] >= s[i], "descending");
        Close(Identity(k), MatMul(vh, Transpose(vh, k, n), k, n, k), tol * m, $"{dtype} Vh Vh^T = I");
    }

    private static double[] Symmetric(double[] x, int n)
    {
        var s = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) s[i * n + j] = (x[i * n + j] + x[j * n + i]) / 2;
        return s;
    }

    private static double[] Transpose(double[] x, int rows, int cols)
    {
        var t = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        return t;
    }

    private static double[] Identity(int n)
    {
        var e = new double[n * n];
        for (int i = 0; i < n; i++) e[i * n + i] = 1;
        return e;
    }
}
