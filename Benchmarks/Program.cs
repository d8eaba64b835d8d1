using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Tracer.Benchmarks;

// Two ways to run the same workloads:
//   dotnet run -c Release -- --quick out.jsonl   medians of repeated timings, written as JSON lines (what run.sh uses)
//   dotnet run -c Release -- --quick out.jsonl W8   the same for the linear-algebra workloads only
//   dotnet run -c Release -- --quick out.jsonl W7   the same for the CNN workloads only
//   dotnet run -c Release -- --quick out.jsonl E    the same for the eager workloads only (E1-E7)
//   dotnet run -c Release -- --quick out.jsonl S    the same for the sort and cumsum workloads only (S1-S2)
//   dotnet run -c Release -- --quick out.jsonl W1   the same for one of W1, W3, W6 or "W6 512" (sgemm 512^3 only)
//   dotnet run -c Release -- --job short ...     BenchmarkDotNet (any of its arguments: --filter, --job, exporters)
//   dotnet run -c Release -- --scale 1000 10000 100000   compile time and memory (peak, kept) of a long reduction-heavy
//                                                gradient chain; DOTNET_GCHeapHardLimit=0x40000000 proves a 1 GiB bound
//   dotnet run -c Release -- --w1-blocks 10000000 60   W1 fresh-output and disposed loops in alternating blocks of 60 calls
//   dotnet run -c Release -- --gc 100000          garbage collections of a 100,000-step training loop
if (args.Length >= 1 && args[0] == "--scale")
{
    CompileScale.Run(args.Skip(1).Select(int.Parse));
    return;
}
if (args.Length >= 1 && args[0] == "--gc")
{
    TrainingLoopGc.Run(args.Length > 1 ? int.Parse(args[1]) : 100_000);
    return;
}
if (args.Length >= 1 && args[0] == "--w1-blocks")
{
    W1Blocks.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000, calls: args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60);
    return;
}
if (args.Length >= 1 && args[0] == "--quick")
{
    Quick.Run(args.Length > 1 ? args[1] : "tracer.jsonl", args.Length > 2 ? args[2] : "");
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(ElementwiseGradient).Assembly).Run(args);

internal static class Quick
{
    private static StreamWriter? output;

    /// <summary>Runs every workload, or only the linear-algebra ones ("W8"), the CNN ones ("W7") or the sort and cumsum ones ("S").</summary>
    public static void Run(string path, string only)
    {
        using var w = new StreamWriter(path, append: true);
        output = w;
        if (only == "W7")
        {
            RunW7();
            return;
        }
        if (only == "E")
        {
            RunEager();
            return;
        }
        if (only == "S")
        {
            RunSequence();
            return;
        }
        if (only.StartsWith("W1") || only.StartsWith("W3") || only.StartsWith("W6"))
        {
            RunOne(only);
            return;
        }
        if (only != "W8") RunAllButW8();
        RunW8();
        if (only != "W8") RunSequence();
    }

    /// <summary>S1-S2 (ops-shape family): a stable sort of 1e6 f32 and a cumsum of 1e7 f32, compiled and eager.</summary>
    private static void RunSequence()
    {
        var s = new SequenceOps();
        s.Setup();
        Measure("S1 sort 1e6 f32", "tracer", () => s.SortCompiled());
        Measure("S1 sort 1e6 f32, eager", "tracer", () => s.SortEager());
        Measure("S2 cumsum 1e7 f32", "tracer", () => s.CumSumCompiled());
        Measure("S2 cumsum 1e7 f32, eager", "tracer", () => s.CumSumEager());
    }

    /// <summary>E1-E7: single ops called eagerly.</summary>
    private static void RunEager()
    {
        var e = new EagerOps();
        e.Setup();
        Measure("E1 eager add 1e6", "tracer", () => e.Add());
        Measure("E2 eager exp 1e6", "tracer", () => e.Exp());
        Measure("E3 eager sum rows 1e6", "tracer", () => e.Sum());
        Measure("E4 eager softmax 1e6", "tracer", () => e.Softmax());
        Measure("E5 eager matmul 1000^3", "tracer", () => e.MatMul());
        Measure("E6 eager add n=4", "tracer", () => e.AddSmall());
        Measure("E7 eager add 1e6, result disposed", "tracer", () => e.AddDisposed());
        Measure("E8 hand-written add 1e6 into one array", "handwritten", () => e.HandAdd(1));
        Measure("E8 hand-written add 1e6 into 4 arrays in turn", "handwritten", () => e.HandAdd(4));
    }

    /// <summary>W7: the CNN training step, and the two convolution kernels on its layers.</summary>
    private static void RunW7()
    {
        var cnn = new CnnStep();
        cnn.Setup();
        Measure("W7 LeNet step", "tracer", () => cnn.Tracer());
        foreach (int layer in new[] { 1, 2 })
        {
            // The two ways Tracer lowers a convolution, on LeNet's layers: direct loops (the default) and im2col + GEMM.
            var v = new ConvVariants { Layer = layer };
            v.Setup();
            Measure($"W7 conv layer {layer} forward", "tracer", () => v.Direct());
            Measure($"W7 conv layer {layer} forward", "im2col", () => v.Im2ColGemm());
        }
    }

    /// <summary>One workload family while tuning a kernel: W1 (with its hand-written loop), W3, W6, or "W6 512".</summary>
    private static void RunOne(string only)
    {
        if (only == "W1")
        {
            foreach (int n in new[] { 1_000, 1_000_000, 10_000_000 })
            {
                var b = new ElementwiseGradient { N = n };
                b.Setup();
                string id = $"W1 n={n:0e0}".Replace("e+", "e");
                Measure(id, "tracer", () => b.Tracer());
                Measure(id, "handwritten", () => b.HandWritten());
                if (n >= 1_000_000) Measure(id + ", result disposed", "tracer", () => b.TracerDisposed());
            }
        }
        else if (only == "W3")
        {
            var mlp = new MlpStep();
            mlp.Setup();
            Measure("W3 MLP step", "tracer", () => mlp.Tracer());
        }
        else
        {
            foreach (int n in only == "W6 512" ? new[] { 512 } : new[] { 512, 2048 })
            {
                var s = new Sgemm { N = n };
                s.Setup();
                Measure($"W6 sgemm {n}^3", "tracer", () => s.Tracer());
            }
        }
    }

    private static void RunW8()
    {
        var f = new LinalgFactor();
        f.Setup();
        Measure("W8 cholesky 512 f64", "tracer", () => f.Cholesky());
        Measure("W8 solve 512 f64", "tracer", () => f.Solve());
        var gp = new GaussianProcessGradient();
        gp.Setup();
        Measure("W8 GP grad n=1000", "tracer", () => gp.Tracer(), maxSeconds: 4);
    }

    private static void RunAllButW8()
    {
        foreach (int n in new[] { 4, 1_000, 1_000_000, 10_000_000 })
        {
            var b = new ElementwiseGradient { N = n };
            b.Setup();
            string id = n == 4 ? "W2 n=4" : $"W1 n={n:0e0}".Replace("e+", "e");
            Measure(id, "tracer", () => b.Tracer());
            Measure(id, "handwritten", () => b.HandWritten());
            // As a loop that gives each result back once used: the next call's output reuses its array.
            if (n >= 1_000_000) Measure(id + ", result disposed", "tracer", () => b.TracerDisposed());
        }
        var mlp = new MlpStep();
        mlp.Setup();
        Measure("W3 MLP step", "tracer", () => mlp.Tracer());
        var mf = new MatrixFactorisation();
        mf.Setup();
        Measure("W4 MatFac grad", "tracer", () => mf.Tracer());
        foreach (int ops in new[] { 100, 10_000 })
        {
            var c = new CompileLatency { Ops = ops };
            c.Setup();
            Measure($"W5 compile {ops} ops", "tracer", () => { Tracer.Jit.Cache.Clear(); c.TraceDifferentiateCompile(); }, maxSeconds: ops > 1000 ? 8 : 2);
            if (ops == 100) Measure("W5 cache hit", "tracer", () => c.CacheHit());
        }
        foreach (int n in new[] { 512, 2048 })
        {
            var s = new Sgemm { N = n };
            s.Setup();
            Measure($"W6 sgemm {n}^3", "tracer", () => s.Tracer());
        }
        RunW7();
        RunEager();
        if (Environment.GetEnvironmentVariable("TRACER_CPU_THREADS") == "1" && Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") != "0")   // once per run: the cache depends on neither threads nor vectors
            CacheScaling.Run((workload, impl, value, unit) => Write(workload, impl, value, unit, samples: 1));
    }

    /// <summary>The widest vectors this process uses (DOTNET_EnableAVX512=0 turns AVX-512 off for a whole run).</summary>
    private static string Isa =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512"
        : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2" : "SSE";

    /// <summary>One JSON line of results (median_us holds the value; unit says when it is not microseconds).</summary>
    private static void Write(string workload, string impl, double value, string unit, int samples)
    {
        string threads = Environment.GetEnvironmentVariable("TRACER_CPU_THREADS") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{{\"workload\": \"{workload}\", \"impl\": \"{impl}\", \"threads\": {threads}, \"isa\": \"{Isa}\", \"median_us\": {value:R}, \"unit\": \"{unit}\", \"samples\": {samples}}}");
        Console.WriteLine(line);
        output!.WriteLine(line);
        output.Flush();
    }

    /// <summary>Median time of one call: warm up, then time batches big enough for the clock (≥ 1 ms) for about 2 s.</summary>
    private static void Measure(string workload, string impl, Action action, double maxSeconds = 2)
    {
        // Warm up past the JIT's tiering for a whole second: methods start unoptimised and are recompiled in the
        // background only after 30 calls and a 100 ms quiet period, so a cap on the number of warm-up calls would
        // time fast workloads (W2, the cache hit) partly at tier 0. Generated kernels are optimised from the start.
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 2 || sw.Elapsed.TotalSeconds < 1; i++) action();
        int batch = 1;
        while (true)
        {
            sw.Restart();
            for (int i = 0; i < batch; i++) action();
            if (sw.Elapsed.TotalMilliseconds >= 1 || batch >= 1 << 20) break;
            batch *= 4;
        }
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < 5 || (total.Elapsed.TotalSeconds < maxSeconds && samples.Count < 200))
        {
            sw.Restart();
            for (int i = 0; i < batch; i++) action();
            samples.Add(sw.Elapsed.TotalMilliseconds * 1000 / batch);
        }
        samples.Sort();
        Write(workload, impl, samples[samples.Count / 2], "us", samples.Count);
    }
}
