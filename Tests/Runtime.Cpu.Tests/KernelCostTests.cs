using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The thread cost model: kernel time estimates grow with size, memory traffic and transcendental work; splits are
/// taken only when the estimate is far above a region's cost, never without workers; forced thresholds still split.
/// </summary>
[TestClass]
public sealed class KernelCostTests
{
    private static LoopKernel OnlyLoop(Graph g)
    {
        var exe = (CpuExecutable)new CpuBackend(new CpuBackendOptions { MaxThreads = 1 }).Compile(g);
        Assert.IsTrue(exe.Program.Kernels is [LoopKernel], exe.Describe());
        return (LoopKernel)exe.Program.Kernels[0];
    }

    [TestMethod]
    public void EstimatesFollowSizeTrafficAndTranscendentals()
    {
        var add = OnlyLoop(Build([T(DType.Float32, 100_000), T(DType.Float32, 100_000)], xs => [Ir.Add(xs[0], xs[1])]));
        var tanh = OnlyLoop(Build(T(DType.Float32, 100_000), x => Ir.Add(Ir.Tanh(x), Ir.Sin(x))));
        var small = OnlyLoop(Build(T(DType.Float32, 1_000), x => Ir.Add(Ir.Tanh(x), Ir.Sin(x))));
        var f64 = OnlyLoop(Build([T(DType.Float64, 100_000), T(DType.Float64, 100_000)], xs => [Ir.Add(xs[0], xs[1])]));
        double tAdd = KernelCost.Loop(add, VectorIsa.V512), tTanh = KernelCost.Loop(tanh, VectorIsa.V512);
        Assert.IsGreaterThan(tAdd, tTanh, "two transcendentals per element cost more than an add");
        Assert.AreEqual(100, KernelCost.Loop(tanh, VectorIsa.V512) / KernelCost.Loop(small, VectorIsa.V512), 1e-9, "linear in elements");
        Assert.IsGreaterThan(tAdd, KernelCost.Loop(f64, VectorIsa.V512), "f64 moves twice the bytes");
        Assert.IsGreaterThan(tTanh, KernelCost.Loop(tanh, VectorIsa.None), "scalar code is slower than vectors");
        // The magnitudes the decisions rest on: an add of 1e5 f32 streams 1.2 MB (about 100 µs), W1 at 1e3 is µs.
        Assert.IsTrue(tAdd is > 30_000 and < 300_000, $"add of 1e5: {tAdd} ns");
        Assert.IsLessThan(KernelThreads.MinimumSplitNanoseconds, KernelCost.Loop(small, VectorIsa.V512), "1e3 elements stay on one thread");
    }

    [TestMethod]
    public void SplitsPayOnlyForLongKernelsAndOnlyWithWorkers()
    {
        var pool = new KernelThreads(1);
        Assert.IsFalse(pool.Pays(1_000), "a microsecond kernel never splits");
        Assert.IsFalse(pool.Pays(KernelThreads.MinimumSplitNanoseconds - 1), "below a few regions' cost");
        Assert.IsTrue(pool.Pays(1e9), "a second-long kernel always splits");
        Assert.IsFalse(new KernelThreads(0).Pays(1e9), "no workers, no split");
        pool.For(2, 2, _ => Thread.SpinWait(1000));
        Assert.IsGreaterThan(0, pool.ExpectedWakeNanoseconds, "a measured wake-up is a positive time");
    }

    [TestMethod]
    public void LongKernelsRunInSeveralPiecesPerThread()
    {
        // 100,003 elements of tanh(x)·sin(x) estimate well above four regions per thread: eight pieces on two
        // threads, aligned to whole vectors, the last one short. Every element must be written exactly once.
        var g = Build(T(DType.Float32, 100_003), x => Ir.Mul(Ir.Tanh(x), Ir.Sin(x)));
        var backend = new CpuBackend(new CpuBackendOptions { MaxThreads = 2, ParallelThreshold = 1 });
        var exe = (CpuExecutable)backend.Compile(g);
        Assert.AreEqual(2, exe.Threads(0));
        Assert.IsGreaterThan(16 * KernelThreads.RegionNanoseconds, KernelCost.Loop((LoopKernel)exe.Program.Kernels[0], VectorIsa.V256));
        var rng = new Random(4);
        var x = Harness.Random(rng, g.Inputs[0].Type, -2, 2);
        var expected = Interpreter.Run(Tracer.Rules.RuleTable.Default, g, [x]);
        for (int run = 0; run < 3; run++) Compare(expected, exe.Run([x]), $"run {run}", exe);
    }

    [TestMethod]
    public void ThresholdsBelowTheDefaultForceSplitsAboveItAddAMinimum()
    {
        var g = Build(T(DType.Float32, 1_000), x => Ir.Tanh(x));
        var forced = (CpuExecutable)new CpuBackend(new CpuBackendOptions { MaxThreads = 2, ParallelThreshold = 1 }).Compile(g);
        Assert.AreEqual(2, forced.Threads(0), "threshold 1 splits even 1000 elements");
        var big = Build(T(DType.Float32, 1_000_000), x => Ir.Tanh(x));
        var model = (CpuExecutable)new CpuBackend(new CpuBackendOptions { MaxThreads = 2 }).Compile(big);
        Assert.AreEqual(2, model.Threads(0), "a 1e6 tanh may split");
        var capped = (CpuExecutable)new CpuBackend(new CpuBackendOptions { MaxThreads = 2, ParallelThreshold = 1L << 40 }).Compile(big);
        Assert.AreEqual(1, capped.Threads(0), "a threshold above the default must be reached too");
    }
}
