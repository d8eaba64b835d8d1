using BenchmarkDotNet.Attributes;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>W8: Cholesky and Solve of a 512 x 512 f64 matrix (the blocked CPU kernels).</summary>
public class LinalgFactor
{
    public const int N = 512;

    private Tensor a = null!, b = null!;
    private Func<Tensor, Tensor> chol = null!;
    private Func<Tensor, Tensor, Tensor> solve = null!;

    /// <summary>x x^T / n + I for x uniform in [-1, 1): symmetric positive definite and well conditioned.</summary>
    public static double[] Spd(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n * n];
        for (int i = 0; i < x.Length; i++) x[i] = 2 * rng.NextDouble() - 1;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += x[i * n + k] * x[j * n + k];
                a[i * n + j] = a[j * n + i] = s / n + (i == j ? 1 : 0);
            }
        return a;
    }

    [GlobalSetup]
    public void Setup()
    {
        a = Tensor.FromArray(Spd(N, 20), N, N);
        var rng = new Random(21);
        var rhs = new double[N];
        for (int i = 0; i < N; i++) rhs[i] = 2 * rng.NextDouble() - 1;
        b = Tensor.FromArray(rhs, N, 1);
        chol = Jit.Compile<Tensor, Tensor>(Linalg.Cholesky);
        solve = Jit.Compile<Tensor, Tensor, Tensor>(Linalg.Solve);
        chol(a);
        solve(a, b);
    }

    [Benchmark]
    public Tensor Cholesky() => chol(a);

    [Benchmark]
    public Tensor Solve() => solve(a, b);
}

/// <summary>
/// W8: one gradient of a Gaussian process's negative log marginal likelihood, n = 1000 points in 1-D, squared
/// exponential kernel with three hyperparameters (log length scale, log signal variance, log noise variance):
/// nll = y^T K^-1 y / 2 + Σ log diag(L) with L = chol(K), through Cholesky and TriangularSolve.
/// </summary>
public class GaussianProcessGradient
{
    public const int N = 1000;

    public sealed record Hyper(Tensor LogLengthScale, Tensor LogSignal, Tensor LogNoise);

    private Hyper theta = null!;
    private Tensor x = null!, y = null!, eye = null!;
    private Func<Hyper, Tensor, Tensor, Hyper> grad = null!;

    public static Tensor NegLogLikelihood(Hyper h, Tensor x, Tensor y, Tensor eye)
    {
        var d = Reshape(x, N, 1) - Reshape(x, 1, N);
        var k = Exp(h.LogSignal) * Exp(d * d * (-0.5) * Exp(-2.0 * h.LogLengthScale)) + eye * Exp(h.LogNoise);
        var l = Linalg.Cholesky(k);
        var alpha = Linalg.TriangularSolve(l, Reshape(y, N, 1));
        return 0.5 * Sum(alpha * alpha) + Sum(Log(Sum(l * eye, 1)));
    }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(30);
        var xs = new double[N];
        var ys = new double[N];
        for (int i = 0; i < N; i++)
        {
            xs[i] = 10.0 * i / N;
            ys[i] = Math.Sin(xs[i]) + 0.1 * (2 * rng.NextDouble() - 1);
        }
        var e = new double[N * N];
        for (int i = 0; i < N; i++) e[i * N + i] = 1;
        (x, y, eye) = (Tensor.FromArray(xs, N), Tensor.FromArray(ys, N), Tensor.FromArray(e, N, N));
        theta = new Hyper(Tensor.Scalar(0.0), Tensor.Scalar(0.0), Tensor.Scalar(-2.0));
        grad = Jit.Grad<Hyper, Tensor, Tensor>((h, xv, yv) => NegLogLikelihood(h, xv, yv, eye));
        grad(theta, x, y);
    }

    [Benchmark]
    public Hyper Tracer() => grad(theta, x, y);
}
