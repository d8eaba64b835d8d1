using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime.Cuda;
using Tracer;
using Tracer.Runtime.Cuda;
using static Tracer.Ops;

// G1-G3 of the CUDA issue, printed as a table. `--emulator` runs the same code at small sizes on ILGPU's CPU
// accelerator (a smoke test of the benchmark itself: its timings mean nothing).
bool emulator = args.Contains("--emulator");
var backend = emulator ? CudaRuntime.EmulatorDevice : CudaRuntime.Backend(0);
var device = backend.Device;
Console.WriteLine($"device: {backend} ({(emulator ? "emulator, small sizes" : "GPU")})");
var rows = new List<(string Id, string What, string Result, string Goal)>();

// ---- G1: W1's gradient at n = 1e8 f32 against the device-to-device copy bandwidth ---------------------------------
{
    int n = emulator ? 10_000 : 100_000_000;
    var x = Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)Math.Sin(i * 1e-3)).ToArray(), n).To(device);
    var grad = Jit.Grad((Tensor t) => Sum(Tanh(t) * Sin(t) + t * t));
    double gradSeconds = Time(() => grad(x).Dispose(), backend, emulator ? 2 : 20);
    var (from, to) = ((DeviceStorage)backend.FromHost(new float[n]), (DeviceStorage)backend.FromHost(new float[n]));
    double copySeconds = Time(() => Bench.Copy(backend, from, to), backend, emulator ? 2 : 20);
    double bytes = 8.0 * n;   // the gradient reads x once and writes the result once; a copy does the same
    rows.Add(("G1", $"W1 gradient n={n:E0} f32", $"{bytes / gradSeconds / 1e9:0.###} GB/s ({copySeconds / gradSeconds:P0} of copy {bytes / copySeconds / 1e9:0.###} GB/s)", ">= 70 % of copy"));
    x.Dispose();
}

// ---- G2: f32 GEMM 4096^3 against FP32 peak and cuBLAS ------------------------------------------------------------
{
    int n = emulator ? 64 : 4096;
    var rng = new Random(1);
    var a = Tensor.FromArray(Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray(), n, n).To(device);
    var b = Tensor.FromArray(Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray(), n, n).To(device);
    var mm = Jit.Compile((Tensor p, Tensor q) => MatMul(p, q));
    double seconds = Time(() => mm(a, b).Dispose(), backend, emulator ? 1 : 10);
    double flops = 2.0 * n * n * n / seconds;
    const double PeakH200 = 67e12;   // H200 SXM FP32 without tensor cores (NVIDIA's data sheet)
    string cublas = Bench.CuBlasGemm(backend, n, emulator ? 1 : 10) is { } cb ? $"; cuBLAS {cb / 1e12:0.0} TFLOP/s, ours {flops / cb:0.00}x" : "; cuBLAS not available";
    rows.Add(("G2", $"f32 GEMM {n}^3", $"{flops / 1e12:0.#####} TFLOP/s ({flops / PeakH200:P0} of 67 TFLOP/s peak){cublas}", ">= 40 % of peak, >= 0.7x cuBLAS"));
}

// ---- G3: MLP training step, batch 4096, 784-2048-10, SGD: device against our CPU backend --------------------------
{
    int batch = emulator ? 16 : 4096, hidden = emulator ? 32 : 2048;
    var rng = new Random(2);
    Tensor R(int r, int c, double scale) => Tensor.FromArray(Enumerable.Range(0, r * c).Select(_ => (float)((rng.NextDouble() - 0.5) * scale)).ToArray(), r, c);
    var model = new Mlp(R(784, hidden, 0.1), Tensor.Zeros(DType.Float32, hidden), R(hidden, 10, 0.1), Tensor.Zeros(DType.Float32, 10));
    var x = R(batch, 784, 2);
    var y = R(batch, 10, 2);
    var grad = Jit.Grad((Mlp p, Tensor xb, Tensor yb) => Mean(Square(MatMul(Tanh(MatMul(xb, p.W1) + p.B1), p.W2) + p.B2 - yb)));
    var step = Jit.Compile((Mlp m, Tensor xb, Tensor yb) =>
    {
        var g = grad(m, xb, yb);
        return new Mlp(m.W1 - 0.01 * g.W1, m.B1 - 0.01 * g.B1, m.W2 - 0.01 * g.W2, m.B2 - 0.01 * g.B2);
    });
    var onDevice = Tree.To(model, device);
    var (dx, dy) = (x.To(device), y.To(device));
    double gpu = Time(() => step(onDevice, dx, dy), backend, emulator ? 1 : 20);
    double cpu = Time(() => step(model, x, y), null, emulator ? 1 : 3);
    rows.Add(("G3", $"MLP step batch {batch}, 784-{hidden}-10, SGD", $"{gpu * 1e3:0.##} ms on the device, {cpu * 1e3:0.#} ms on this machine's CPU ({Environment.ProcessorCount} cores): {cpu / gpu:0.#}x", ">= 10x the 2-core CPU"));
}

Console.WriteLine();
Console.WriteLine("| id | workload | result | goal |");
Console.WriteLine("| --- | --- | --- | --- |");
foreach (var (id, what, result, goal) in rows) Console.WriteLine($"| {id} | {what} | {result} | {goal} |");
return 0;

// Median seconds per call of `run`, after two warm-up calls (the first compiles), with the device drained per call.
static double Time(Action run, CudaBackend? backend, int repeats)
{
    run();
    run();
    backend?.Synchronize();
    var times = new List<double>();
    for (int i = 0; i < repeats; i++)
    {
        var clock = Stopwatch.StartNew();
        run();
        backend?.Synchronize();
        times.Add(clock.Elapsed.TotalSeconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

/// <summary>The MLP's parameters.</summary>
internal sealed record Mlp(Tensor W1, Tensor B1, Tensor W2, Tensor B2);

/// <summary>Reference points measured on the same device: a plain copy and cuBLAS.</summary>
internal static class Bench
{
    /// <summary>One device-to-device copy of <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static void Copy(CudaBackend backend, DeviceStorage from, DeviceStorage to)
    {
        lock (backend.Gate) ElementOps.For(DType.Float32).Copy(backend.Stream, from.View, to.View, from.Length);
    }

    /// <summary>cuBLAS SGEMM FLOP/s for n x n x n, or null where cuBLAS does not load (and on the emulator).</summary>
    public static double? CuBlasGemm(CudaBackend backend, int n, int repeats)
    {
        if (backend.Accelerator is not CudaAccelerator cuda) return null;
        try
        {
            var rng = new Random(3);
            var host = Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray();
            var (a, b, c) = ((DeviceStorage)backend.FromHost(host), (DeviceStorage)backend.FromHost(host), (DeviceStorage)backend.FromHost(host));
            backend.Synchronize();   // the uploads ran on the backend's stream; cuBLAS runs on its own
            using var blas = new CuBlas(cuda);
            // Row-major C = A B is column-major C^T = B^T A^T: swap the operands.
            void Run()
            {
                lock (backend.Gate)
                {
                    blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, n, n, 1f, (ArrayView<float>)b.View, n,
                        (ArrayView<float>)a.View, n, 0f, (ArrayView<float>)c.View, n);
                }
            }
            Run();
            cuda.Synchronize();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) Run();
            cuda.Synchronize();
            return 2.0 * n * n * n / (clock.Elapsed.TotalSeconds / repeats);
        }
        catch (Exception e)
        {
            Console.WriteLine($"cuBLAS did not load: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }
}
