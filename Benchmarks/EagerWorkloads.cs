using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>
/// E1-E6: single ops called eagerly, as a user prototyping or updating parameters outside a compiled step writes
/// them (output allocated per call), against PyTorch eager on the same shapes.
/// </summary>
public class EagerOps
{
    private Tensor x = null!, y = null!, m = null!, small = null!;

    [GlobalSetup]
    public void Setup()
    {
        x = Tensor.FromArray(Data.Uniform(1_000_000, -3, 3, 1), 1000, 1000);
        y = Tensor.FromArray(Data.Uniform(1_000_000, -3, 3, 2), 1000, 1000);
        m = Tensor.FromArray(Data.Uniform(1_000_000, -1, 1, 3), 1000, 1000);
        small = Tensor.FromArray(Data.Uniform(4, -1, 1, 4), 4);
        handX = Data.Uniform(1_000_000, -3, 3, 1);
        handY = Data.Uniform(1_000_000, -3, 3, 2);
        handOutputs = [new float[1_000_000], new float[1_000_000], new float[1_000_000], new float[1_000_000]];
    }

    private float[] handX = null!, handY = null!;
    private float[][] handOutputs = null!;
    private int handCall;

    [Benchmark]
    public Tensor Add() => x + y;

    [Benchmark]
    public Tensor Exp() => Ops.Exp(x);

    [Benchmark]
    public Tensor Sum() => Ops.Sum(x, 1);

    [Benchmark]
    public Tensor Softmax() => Ops.Softmax(x, 1);

    [Benchmark]
    public Tensor MatMul() => Ops.MatMul(m, m);

    /// <summary>E1 with the result disposed (its array goes back to the pool), as a loop in a DisposeScope does.</summary>
    [Benchmark]
    public void AddDisposed()
    {
        using var result = x + y;
    }

    /// <summary>
    /// E8: the hand-written vectorised add of E1 into one output array, or into one of four in turn. Without Dispose,
    /// an output's array is reused only after a collection finds it unreachable, so a loop cycles through several:
    /// this row is the cost of colder memory alone, without Tracer (one thread; run.sh reports it at one thread).
    /// </summary>
    public float[] HandAdd(int arrays)
    {
        var output = handOutputs[handCall++ % arrays];
        var a = MemoryMarshal.Cast<float, Vector<float>>(handX.AsSpan());
        var b = MemoryMarshal.Cast<float, Vector<float>>(handY.AsSpan());
        var o = MemoryMarshal.Cast<float, Vector<float>>(output.AsSpan());
        for (int i = 0; i < o.Length; i++) o[i] = a[i] + b[i];
        return output;
    }

    /// <summary>Per-op overhead: an add of 4 elements.</summary>
    [Benchmark]
    public Tensor AddSmall() => small + small;
}

/// <summary>
/// C1: the compilation cache under many signatures. Compiling 20,000 shapes of one function with a capacity of
/// 1,000 must keep memory flat, and a hit must cost the same for the newest and the oldest live entry.
/// </summary>
public static class CacheScaling
{
    public static void Run(Action<string, string, double, string> report)
    {
        int saved = Jit.Cache.Capacity;
        Jit.Cache.Clear();
        Jit.Cache.Capacity = 1000;
        var f = Jit.Compile((Tensor v) => Ops.Sum(v * 2.0));
        var inputs = new Tensor[20_001];
        for (int n = 1; n <= 20_000; n++)
        {
            f(Tensor.Zeros(DType.Float32, n));
            if (n is 1000 or 5000 or 10_000 or 20_000)
                report($"C1 memory after {n} shapes", "tracer", GC.GetTotalMemory(forceFullCollection: true) / 1e6, "MB");
        }
        var oldest = Tensor.Zeros(DType.Float32, 19_001);
        var newest = Tensor.Zeros(DType.Float32, 20_000);
        report("C1 hit, newest entry", "tracer", TimeOne(() => f(newest)), "us");
        report("C1 hit, oldest live entry", "tracer", TimeOne(() => f(oldest)), "us");
        Jit.Cache.Capacity = saved;
        Jit.Cache.Clear();
    }

    private static double TimeOne(Action a)
    {
        for (int i = 0; i < 20_000; i++) a();
        var samples = new List<double>();
        for (int s = 0; s < 21; s++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 2000; i++) a();
            samples.Add(sw.Elapsed.TotalMilliseconds * 1000 / 2000);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
