using BenchmarkDotNet.Attributes;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>
/// S1-S2: sorting and prefix sums, compiled (Jit.Compile) and eager, against PyTorch eager on the same data
/// (peers/torch_bench.py): a stable sort of 1e6 f32 and a cumsum of 1e7 f32 (both accumulate f32 in f64).
/// </summary>
public class SequenceOps
{
    private Tensor sortInput = null!, scanInput = null!;
    private readonly Func<Tensor, Tensor> sort = Jit.Compile((Tensor x) => Sort(x));
    private readonly Func<Tensor, Tensor> cumsum = Jit.Compile((Tensor x) => CumSum(x, 0));

    [GlobalSetup]
    public void Setup()
    {
        sortInput = Tensor.FromArray(Data.Uniform(1_000_000, -3, 3, 21), 1_000_000);
        scanInput = Tensor.FromArray(Data.Uniform(10_000_000, -1, 1, 22), 10_000_000);
    }

    [Benchmark]
    public Tensor SortCompiled() => sort(sortInput);

    [Benchmark]
    public Tensor SortEager() => Sort(sortInput);

    [Benchmark]
    public Tensor CumSumCompiled() => cumsum(scanInput);

    [Benchmark]
    public Tensor CumSumEager() => CumSum(scanInput, 0);
}
