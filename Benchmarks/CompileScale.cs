using System.Diagnostics;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>
/// Compile-time scaling of a reduction-heavy gradient chain: <c>y = Sin(y) - Mean(y) + Max(y)</c> repeated
/// <c>steps</c> times, differentiated. Prints the time of the first call (trace, reverse mode, optimiser, lowering,
/// code generation and the JIT of the generated code on the first run), the bytes allocated, the peak of live memory
/// during the first call, and the bytes still reachable afterwards while the compiled delegate is cached.
/// Run: <c>dotnet run -c Release -- --scale 1000 10000 100000</c>; to prove a memory bound, set
/// <c>DOTNET_GCHeapHardLimit</c> (e.g. <c>0x40000000</c> for 1 GiB): the run fails with an out-of-memory error past it.
/// </summary>
internal static class CompileScale
{
    public static void Run(IEnumerable<int> steps)
    {
        foreach (int n in steps)
        {
            Func<Tensor, Tensor> f = x =>
            {
                var y = x;
                for (int i = 0; i < n; i++) y = Sin(y) - Mean(y) + Max(y);
                return Sum(y);
            };
            var x0 = Tensor.FromArray(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }, 4);
            Jit.Cache.Clear();
            GC.Collect();
            long before = GC.GetTotalMemory(forceFullCollection: true), allocated = GC.GetTotalAllocatedBytes();
            string stages = "";
            Action<CompileEvent> record = e => stages = string.Join(", ", e.Times);
            Jit.Cache.Compiled += record;
            var peak = PeakSampler.Start();
            var sw = Stopwatch.StartNew();
            var df = Jit.Grad(f);
            df(x0);
            double first = sw.Elapsed.TotalSeconds;
            var (peakLive, peakHeap) = peak.Stop();
            Jit.Cache.Compiled -= record;
            allocated = GC.GetTotalAllocatedBytes() - allocated;
            long kept = GC.GetTotalMemory(forceFullCollection: true) - before;
            sw.Restart();
            df(x0);
            Console.WriteLine($"steps {n}: first call {first:F2} s, allocated {allocated >> 20} MB, peak live {(peakLive - before) >> 20} MB, " +
                $"peak heap {peakHeap >> 20} MB, kept {kept >> 20} MB, cached call {sw.Elapsed.TotalMilliseconds:F2} ms, " +
                $"process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB\n" +
                $"  compile stages: {stages} (the rest of the first call is the first run, which JIT-compiles the generated code)");
            GC.KeepAlive(df);
        }
    }

    /// <summary>
    /// Samples the GC heap on a background thread during the first call. "Peak live" is the largest heap left after
    /// any garbage collection (what the program really held, fragmentation included; less what was live before the
    /// call); "peak heap" the largest heap including garbage not yet collected (what the GC had to have room for).
    /// Sampled every millisecond, so a peak shorter than that between two collections can be missed; the memory
    /// bound itself is proved by running under <c>DOTNET_GCHeapHardLimit</c>.
    /// </summary>
    private sealed class PeakSampler
    {
        private volatile bool stop;
        private long peakLive, peakHeap;
        private Thread? thread;

        public static PeakSampler Start()
        {
            var s = new PeakSampler();
            s.thread = new Thread(s.Loop) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
            s.thread.Start();
            return s;
        }

        private void Loop()
        {
            while (!stop)
            {
                Sample();
                Thread.Sleep(1);
            }
        }

        private void Sample()
        {
            long heap = GC.GetTotalMemory(forceFullCollection: false);
            if (heap > peakHeap) peakHeap = heap;
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            if (info.HeapSizeBytes > peakLive) peakLive = info.HeapSizeBytes;
        }

        public (long Live, long Heap) Stop()
        {
            stop = true;
            thread!.Join();
            Sample();
            return (peakLive, peakHeap);
        }
    }
}
