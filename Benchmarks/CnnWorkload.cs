using System.Numerics;
using BenchmarkDotNet.Attributes;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>The parameters of the LeNet-style network of W7.</summary>
public sealed record LeNet(Tensor C1, Tensor B1, Tensor C2, Tensor B2, Tensor W3, Tensor B3, Tensor W4, Tensor B4, Tensor W5, Tensor B5);

/// <summary>
/// W7: one SGD step of a LeNet-style CNN on a batch of 128 28x28 images (conv 5x5x6 -> ReLU -> max-pool 2 -> conv
/// 5x5x16 -> ReLU -> max-pool 2 -> dense 120 -> 84 -> 10, softmax cross-entropy), as one compiled function.
/// </summary>
public class CnnStep
{
    private LeNet p = null!;
    private Tensor x = null!, y = null!;
    private Func<LeNet, Tensor, Tensor, LeNet> step = null!;

    public static Tensor Loss(LeNet p, Tensor x, Tensor y)
    {
        var h = MaxPool(Relu(Conv(x, p.C1) + Reshape(p.B1, 6, 1, 1)), [2, 2]);
        h = MaxPool(Relu(Conv(h, p.C2) + Reshape(p.B2, 16, 1, 1)), [2, 2]);
        h = Reshape(h, x.Shape[0], 16 * 4 * 4);
        h = Relu(MatMul(h, p.W3) + p.B3);
        h = Relu(MatMul(h, p.W4) + p.B4);
        var logits = MatMul(h, p.W5) + p.B5;
        return -Mean(Sum(y * LogSoftmax(logits, 1), 1));
    }

    private static Tensor U(int seed, double scale, params int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return Tensor.FromArray(Data.Uniform(n, -scale, scale, seed), shape);
    }

    [GlobalSetup]
    public void Setup()
    {
        p = new LeNet(U(30, 0.2, 6, 1, 5, 5), Tensor.Zeros(DType.Float32, 6), U(31, 0.08, 16, 6, 5, 5), Tensor.Zeros(DType.Float32, 16),
            U(32, 0.06, 256, 120), Tensor.Zeros(DType.Float32, 120), U(33, 0.09, 120, 84), Tensor.Zeros(DType.Float32, 84),
            U(34, 0.1, 84, 10), Tensor.Zeros(DType.Float32, 10));
        x = U(35, 1, 128, 1, 28, 28);
        var labels = new float[128 * 10];
        for (int i = 0; i < 128; i++) labels[i * 10 + i % 10] = 1;
        y = Tensor.FromArray(labels, 128, 10);
        var grad = Jit.Grad<LeNet, Tensor, Tensor>(Loss);
        step = Jit.Compile((LeNet m, Tensor xb, Tensor yb) =>
        {
            var g = grad(m, xb, yb);
            const double lr = 0.01;
            return new LeNet(m.C1 - lr * g.C1, m.B1 - lr * g.B1, m.C2 - lr * g.C2, m.B2 - lr * g.B2, m.W3 - lr * g.W3, m.B3 - lr * g.B3,
                m.W4 - lr * g.W4, m.B4 - lr * g.B4, m.W5 - lr * g.W5, m.B5 - lr * g.B5);
        });
        step(p, x, y);
    }

    [Benchmark]
    public LeNet Tracer() => step(p, x, y);
}

/// <summary>
/// The two ways to compute a convolution, on LeNet's layers (forward only, f32, stride 1, no padding): Tracer's
/// kernel (im2col + the blocked GEMM) and a direct kernel written by hand (for each output plane, one vector axpy per
/// input channel, kernel tap and output row, examples split over the threads).
/// </summary>
public class ConvVariants
{
    private Tensor x = null!, w = null!;
    private float[] xs = [], ws = [], ys = [];
    private int n, c, h, o, k;
    private Func<Tensor, Tensor, Tensor> conv = null!;

    [Params(1, 2)]
    public int Layer { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        (n, c, h, o, k) = Layer == 1 ? (128, 1, 28, 6, 5) : (128, 6, 12, 16, 5);
        xs = Data.Uniform(n * c * h * h, -1, 1, 40);
        ws = Data.Uniform(o * c * k * k, -0.2, 0.2, 41);
        int oh = h - k + 1;
        ys = new float[n * o * oh * oh];
        x = Tensor.FromArray(xs, n, c, h, h);
        w = Tensor.FromArray(ws, o, c, k, k);
        conv = Jit.Compile((Tensor a, Tensor b) => Conv(a, b));
        conv(x, w);
    }

    [Benchmark]
    public Tensor Im2ColGemm() => conv(x, w);

    [Benchmark]
    public float[] Direct()
    {
        int oh = h - k + 1;
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Data.Threads }, e =>
        {
            for (int oc = 0; oc < o; oc++)
            {
                var plane = ys.AsSpan((e * o + oc) * oh * oh, oh * oh);
                plane.Clear();
                for (int ic = 0; ic < c; ic++)
                {
                    var input = xs.AsSpan((e * c + ic) * h * h, h * h);
                    for (int kh = 0; kh < k; kh++)
                        for (int kw = 0; kw < k; kw++)
                        {
                            float wv = ws[((oc * c + ic) * k + kh) * k + kw];
                            for (int r = 0; r < oh; r++) Axpy(wv, input.Slice((r + kh) * h + kw, oh), plane.Slice(r * oh, oh));
                        }
                }
            }
        });
        return ys;
    }

    /// <summary>y += a·x, vectorised.</summary>
    private static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(y[i..]) + va * new Vector<float>(x[i..])).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++) y[i] += a * x[i];
    }
}
