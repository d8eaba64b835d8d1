using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>Random f32 data with a fixed seed, so every run and every peer sees the same distribution.</summary>
internal static class Data
{
    public static float[] Uniform(int n, double lo, double hi, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return a;
    }

    /// <summary>Threads the benchmark runs at (the same variable pins Tracer's kernels).</summary>
    public static int Threads => int.TryParse(Environment.GetEnvironmentVariable("TRACER_CPU_THREADS"), out int t) && t > 0 ? t : Environment.ProcessorCount;
}

/// <summary>W1/W2: the gradient of sum(tanh(x)·sin(x) + x²), Tracer against a hand-written fused SIMD loop.</summary>
public class ElementwiseGradient
{
    [Params(4, 1_000, 1_000_000, 10_000_000)]
    public int N { get; set; }

    private Tensor x = null!;
    private float[] xs = null!, gs = null!;
    private Func<Tensor, Tensor> grad = null!;

    [GlobalSetup]
    public void Setup()
    {
        xs = Data.Uniform(N, -3, 3, 1);
        gs = new float[N];
        x = Tensor.FromArray(xs, N);
        grad = Jit.Grad((Tensor v) => Sum(Tanh(v) * Sin(v) + v * v));
        grad(x);
    }

    [Benchmark]
    public Tensor Tracer() => grad(x);

    /// <summary>The gradient as a loop that disposes each result once used (its array goes to the next output).</summary>
    [Benchmark]
    public void TracerDisposed() => grad(x).Dispose();

    [Benchmark(Baseline = true)]
    public float[] HandWritten()
    {
        HandWrittenGradient.Run(xs, gs, Data.Threads);
        return gs;
    }
}

/// <summary>
/// What a careful C# programmer writes for W1: the derivative (1 - tanh²)·sin + tanh·cos + 2x in one fused loop over
/// the widest accelerated vector, tanh as 1 - 2/(exp(2x) + 1), a scalar tail, and two chunks on two threads.
/// </summary>
public static class HandWrittenGradient
{
    public static void Run(float[] x, float[] g, int threads)
    {
        int n = x.Length;
        if (threads > 1 && n >= 100_000)
        {
            int half = (n / 2 + 63) & ~63;
            Parallel.Invoke(() => Range(x, g, 0, half), () => Range(x, g, half, n));
            return;
        }
        Range(x, g, 0, n);
    }

    private static void Range(float[] x, float[] g, int lo, int hi)
    {
        int i = lo;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= hi; i += 16)
            {
                var v = Vector512.Create(x.AsSpan(i, 16));
                var t = Vector512<float>.One - Vector512.Create(2f) / (Vector512.Exp(v + v) + Vector512<float>.One);
                var (s, c) = Vector512.SinCos(v);
                ((Vector512<float>.One - t * t) * s + t * c + v + v).CopyTo(g.AsSpan(i, 16));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= hi; i += 8)
            {
                var v = Vector256.Create(x.AsSpan(i, 8));
                var t = Vector256<float>.One - Vector256.Create(2f) / (Vector256.Exp(v + v) + Vector256<float>.One);
                var (s, c) = Vector256.SinCos(v);
                ((Vector256<float>.One - t * t) * s + t * c + v + v).CopyTo(g.AsSpan(i, 8));
            }
        }
        for (; i < hi; i++)
        {
            float v = x[i], t = MathF.Tanh(v);
            g[i] = (1 - t * t) * MathF.Sin(v) + t * MathF.Cos(v) + 2 * v;
        }
    }
}

/// <summary>The MLP of W3: 784 → 512 (tanh) → 10, softmax cross-entropy.</summary>
public sealed record Mlp(Tensor W1, Tensor B1, Tensor W2, Tensor B2);

/// <summary>W3: one SGD training step (forward, gradient of all parameters, update) as one compiled function.</summary>
public class MlpStep
{
    private Mlp p = null!;
    private Tensor x = null!, y = null!;
    private Func<Mlp, Tensor, Tensor, Mlp> step = null!;

    public static Tensor Loss(Mlp p, Tensor x, Tensor y)
    {
        var h = Tanh(MatMul(x, p.W1) + p.B1);
        var logits = MatMul(h, p.W2) + p.B2;
        return -Mean(Sum(y * LogSoftmax(logits, 1), 1));
    }

    [GlobalSetup]
    public void Setup()
    {
        p = new Mlp(Tensor.FromArray(Data.Uniform(784 * 512, -0.05, 0.05, 2), 784, 512), Tensor.Zeros(DType.Float32, 512),
            Tensor.FromArray(Data.Uniform(512 * 10, -0.1, 0.1, 3), 512, 10), Tensor.Zeros(DType.Float32, 10));
        x = Tensor.FromArray(Data.Uniform(256 * 784, 0, 1, 4), 256, 784);
        var labels = new float[256 * 10];
        for (int i = 0; i < 256; i++) labels[i * 10 + i % 10] = 1;
        y = Tensor.FromArray(labels, 256, 10);
        var grad = Jit.Grad<Mlp, Tensor, Tensor>(Loss);
        step = Jit.Compile((Mlp m, Tensor xb, Tensor yb) =>
        {
            var g = grad(m, xb, yb);
            return new Mlp(m.W1 - 0.01 * g.W1, m.B1 - 0.01 * g.B1, m.W2 - 0.01 * g.W2, m.B2 - 0.01 * g.B2);
        });
        step(p, x, y);
    }

    [Benchmark]
    public Mlp Tracer() => step(p, x, y);
}

/// <summary>W4: gradient of a masked matrix-factorisation loss with L2 (X 1000×800, 30% observed, rank 32).</summary>
public class MatrixFactorisation
{
    private Tensor u = null!, v = null!, xObs = null!, mask = null!;
    private Func<(Tensor U, Tensor V), Tensor, Tensor, (Tensor U, Tensor V)> grad = null!;

    [GlobalSetup]
    public void Setup()
    {
        u = Tensor.FromArray(Data.Uniform(1000 * 32, -0.1, 0.1, 5), 1000, 32);
        v = Tensor.FromArray(Data.Uniform(800 * 32, -0.1, 0.1, 6), 800, 32);
        xObs = Tensor.FromArray(Data.Uniform(1000 * 800, -1, 1, 7), 1000, 800);
        var m = Data.Uniform(1000 * 800, 0, 1, 8);
        for (int i = 0; i < m.Length; i++) m[i] = m[i] < 0.3f ? 1 : 0;
        mask = Tensor.FromArray(m, 1000, 800);
        grad = Jit.Grad(((Tensor U, Tensor V) p, Tensor x, Tensor w) =>
            Sum(w * Square(MatMul(p.U, Transpose(p.V)) - x)) + 0.01 * (Sum(Square(p.U)) + Sum(Square(p.V))));
        grad((u, v), xObs, mask);
    }

    [Benchmark]
    public (Tensor U, Tensor V) Tracer() => grad((u, v), xObs, mask);
}

/// <summary>W5: trace + differentiate + compile of a chain of elementwise ops, and the overhead of a cache hit.</summary>
public class CompileLatency
{
    [Params(100, 10_000)]
    public int Ops { get; set; }

    private Tensor x = null!;
    private Func<Tensor, Tensor> identity = null!;

    [GlobalSetup]
    public void Setup()
    {
        x = Tensor.FromArray(Data.Uniform(16, -1, 1, 9), 16);
        identity = Jit.Compile((Tensor t) => t);
        identity(x);
    }

    /// <summary>Four ops per step: sin, mul, add and one more mul; the gradient roughly triples the graph.</summary>
    public static Tensor Chain(Tensor t, int ops)
    {
        var y = t;
        for (int i = 0; i < ops / 4; i++) y = Sin(y) * 0.5 + y * 0.25;
        return Sum(y);
    }

    [Benchmark]
    public Tensor TraceDifferentiateCompile()
    {
        int ops = Ops;
        var g = Jit.Grad((Tensor t) => Chain(t, ops));
        return g(x);
    }

    /// <summary>A hit on a compiled function whose kernel does nothing but copy 16 floats.</summary>
    [Benchmark]
    public Tensor CacheHit() => identity(x);
}

/// <summary>W6: sgemm.</summary>
public class Sgemm
{
    [Params(512, 2048)]
    public int N { get; set; }

    private Tensor a = null!, b = null!;
    private Func<Tensor, Tensor, Tensor> mm = null!;

    [GlobalSetup]
    public void Setup()
    {
        a = Tensor.FromArray(Data.Uniform(N * N, -1, 1, 10), N, N);
        b = Tensor.FromArray(Data.Uniform(N * N, -1, 1, 11), N, N);
        mm = Jit.Compile((Tensor p, Tensor q) => MatMul(p, q));
        mm(a, b);
    }

    [Benchmark]
    public Tensor Tracer() => mm(a, b);
}
