using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/linear-algebra.md and docs/example-gaussian-process.md, run as tests.</summary>
[TestClass]
public class LinearAlgebraSnippets
{
    [TestMethod]
    public void SolveAndDeterminant()
    {
        // begin-snippet: linalg-solve
        var a = Tensor.FromArray(new double[] { 4, 1, 0, 1, 3, 1, 0, 1, 2 }, 3, 3);
        var b = Tensor.FromArray(new double[] { 1, 2, 3 }, 3);
        var x = Linalg.Solve(a, b);                 // f64[3]: a vector b gives a vector x
        var (sign, logAbsDet) = Linalg.SlogDet(a);  // 1 and log 18
        var det = Linalg.Det(a);                    // 18
        var inv = Linalg.Inv(a);                    // a solve against the identity
        Console.WriteLine($"x = {x}, det = {det}, sign {sign} log|det| {logAbsDet}");
        // end-snippet
        TestUtil.AssertClose(b.ToDoubleArray(), MatMul(a, x).ToDoubleArray(), 1e-12, 1e-12, "a x = b");
        Assert.AreEqual(18, det.Item(), 1e-12);
        Assert.AreEqual(1, sign.Item());
        TestUtil.AssertClose(Linalg.Solve(a, Reshape(b, 3, 1)).ToDoubleArray(), MatMul(inv, Reshape(b, 3, 1)).ToDoubleArray(), 1e-12, 1e-12, "inv");
    }

    [TestMethod]
    public void GradientOfALogDeterminantThroughCholesky()
    {
        // begin-snippet: linalg-cholesky-grad
        // log det(A) of a symmetric positive definite A is 2 Σ log diag(L) with A = L L^T; its gradient is A^-1.
        Func<Tensor, Tensor> logDet = m =>
        {
            var l = Linalg.Cholesky(m);
            var eye = Tensor.FromArray(new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3);
            return 2.0 * Sum(Log(Sum(l * eye, 1)));
        };
        var a = Tensor.FromArray(new double[] { 4, 1, 0, 1, 3, 1, 0, 1, 2 }, 3, 3);
        var grad = Jit.Grad(logDet)(a);             // equals Linalg.Inv(a)
        // end-snippet
        TestUtil.AssertClose(Linalg.Inv(a).ToDoubleArray(), grad.ToDoubleArray(), 1e-12, 1e-12, "d log det / dA = A^-1");
    }

    [TestMethod]
    public void EigenvectorsThroughASignFreeLoss()
    {
        // begin-snippet: linalg-eigh
        // Eigenvectors have arbitrary signs: differentiate quantities that do not depend on them, such as the
        // projector v v^T onto the top eigenvector, or any function of the eigenvalues.
        Func<Tensor, Tensor> topProjector = m =>
        {
            var (values, vectors) = Linalg.Eigh(m);              // ascending: the last column is the top one
            var v = Slice(vectors, [0, 2], [3, 3]);              // [3, 1]
            return Sum(MatMul(v, Transpose(v)) * m) + Sum(values * values);
        };
        var a = Tensor.FromArray(new double[] { 2, 1, 0, 1, 3, 1, 0, 1, 5 }, 3, 3);
        var g = Jit.Grad(topProjector)(a);
        // end-snippet
        Assert.AreEqual(9, g.Shape.Size);
        var gt = Transpose(g).ToDoubleArray();
        TestUtil.AssertClose(g.ToDoubleArray(), gt, 1e-12, 1e-12, "the gradient is symmetric");
    }

    [TestMethod]
    public void GaussianProcessMarginalLikelihood()
    {
        // begin-snippet: gp-marginal-likelihood
        // Negative log marginal likelihood of y ~ N(0, K + σn² I) for a squared-exponential kernel, up to a constant.
        Func<Tensor, Tensor, Tensor, Tensor> nll = (logParams, t, y) =>
        {
            int n = t.Shape[0];
            var lengthScale = Exp(Slice(logParams, [0], [1]));
            var signal = Exp(Slice(logParams, [1], [2]));
            var noise = Exp(Slice(logParams, [2], [3]));
            var d = Reshape(t, n, 1) - Reshape(t, 1, n);
            var eye = Tensor.FromArray(Enumerable.Range(0, n * n).Select(i => i % (n + 1) == 0 ? 1.0 : 0.0).ToArray(), n, n);
            var k = signal * Exp(-0.5 * d * d / (lengthScale * lengthScale)) + noise * eye;
            var l = Linalg.Cholesky(k);                          // K = L L^T
            var z = Linalg.TriangularSolve(l, y);                // L^-1 y, so y^T K^-1 y = |z|²
            return 0.5 * Sum(z * z) + Sum(Log(Sum(l * eye, 1))); // + log det(K) / 2
        };
        var times = Tensor.FromArray(new[] { 0.0, 0.5, 1.0, 1.5, 2.0, 3.0 }, 6);
        var obs = Tensor.FromArray(new[] { 1.0, 0.6, -0.1, -0.6, -0.7, 0.2 }, 6);
        var dNll = Jit.Grad(nll)(Tensor.FromArray(new[] { 0.0, 0.0, -2.0 }, 3), times, obs);
        // end-snippet
        Assert.AreEqual(3, dNll.Shape[0]);
        // Central differences of the same function.
        var p = new[] { 0.0, 0.0, -2.0 };
        for (int i = 0; i < 3; i++)
        {
            var up = (double[])p.Clone();
            var down = (double[])p.Clone();
            up[i] += 1e-6;
            down[i] -= 1e-6;
            double fd = (nll(Tensor.FromArray(up, 3), times, obs).Item() - nll(Tensor.FromArray(down, 3), times, obs).Item()) / 2e-6;
            Assert.AreEqual(fd, dNll.ToDoubleArray()[i], 1e-6, $"d nll / d param {i}");
        }
    }
}
