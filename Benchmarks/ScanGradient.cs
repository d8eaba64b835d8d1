using BenchmarkDotNet.Attributes;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>
/// Reverse mode through one Scan (1000 steps of a 256-wide tanh recurrence): a loss on the final carry only, and one
/// on the final carry and the stacked per-step outputs. Both should cost one backward scan.
/// Run: <c>dotnet run -c Release -- --filter *ScanGradient* --job short</c>.
/// </summary>
public class ScanGradient
{
    private const int Steps = 1000, Width = 256;
    private Tensor w = null!, xs = null!;
    private Func<Tensor, Tensor> grad = null!;

    [Params(false, true)]
    public bool UseStackedOutputs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        w = Tensor.FromArray(Data.Uniform(Width, 0.8, 1.0, 5), Width);
        xs = Tensor.FromArray(Data.Uniform(Steps * Width, -0.1, 0.1, 6), Steps, Width);
        grad = Jit.Grad((Tensor p) =>
        {
            var (final, ys) = Scan((Tensor c, Tensor x) =>
            {
                var next = Tanh(c * p + x);
                return (next, next * next);
            }, Tensor.Zeros(DType.Float32, Width), xs);
            return UseStackedOutputs ? Sum(final) + Sum(ys) : Sum(final);
        });
        grad(w);
    }

    [Benchmark]
    public Tensor Tracer() => grad(w);
}
