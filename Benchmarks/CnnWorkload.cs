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
/// The two ways Tracer computes a convolution, on LeNet's layers (forward only, f32, stride 1, no padding): the direct
/// vectorised loops that stride-1 2-d layers take by default, and im2col + the blocked GEMM (what every other layer
/// takes; forced here with TRACER_CONV_IM2COL=1 while that function compiles).
/// </summary>
public class ConvVariants
{
    private Tensor x = null!, w = null!;
    private Func<Tensor, Tensor, Tensor> direct = null!, im2col = null!;

    [Params(1, 2)]
    public int Layer { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        var (n, c, h, o, k) = Layer == 1 ? (128, 1, 28, 6, 5) : (128, 6, 12, 16, 5);
        x = Tensor.FromArray(Data.Uniform(n * c * h * h, -1, 1, 40), n, c, h, h);
        w = Tensor.FromArray(Data.Uniform(o * c * k * k, -0.2, 0.2, 41), o, c, k, k);
        direct = Jit.Compile((Tensor a, Tensor b) => Conv(a, b));
        direct(x, w).Dispose();
        im2col = Jit.Compile((Tensor a, Tensor b) => Conv(a, b));
        Environment.SetEnvironmentVariable("TRACER_CONV_IM2COL", "1");
        try
        {
            im2col(x, w).Dispose();
        }
        finally
        {
            Environment.SetEnvironmentVariable("TRACER_CONV_IM2COL", null);
        }
    }

    [Benchmark]
    public void Direct() => direct(x, w).Dispose();

    [Benchmark]
    public void Im2ColGemm() => im2col(x, w).Dispose();
}
