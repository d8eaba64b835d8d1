using System.Diagnostics;
using static Tracer.Ops;

namespace Tracer.Benchmarks;

/// <summary>
/// Compile-time scaling of a reduction-heavy gradient chain: <c>y = Sin(y) - Mean(y) + Max(y)</c> repeated
/// <c>steps</c> times, differentiated. Prints the time of the first call (trace, reverse mode, optimiser, lowering,
/// code generation and the JIT of the generated code on the first run), the bytes allocated, and the bytes still
/// reachable afterwards while the compiled delegate is cached. Run: <c>dotnet run -c Release -- --scale 1000 3000</c>.
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
            var sw = Stopwatch.StartNew();
            var df = Jit.Grad(f);
            df(x0);
            double first = sw.Elapsed.TotalSeconds;
            Jit.Cache.Compiled -= record;
            allocated = GC.GetTotalAllocatedBytes() - allocated;
            long kept = GC.GetTotalMemory(forceFullCollection: true) - before;
            sw.Restart();
            df(x0);
            Console.WriteLine($"steps {n}: first call {first:F2} s, allocated {allocated >> 20} MB, kept {kept >> 20} MB, " +
                $"cached call {sw.Elapsed.TotalMilliseconds:F2} ms\n  compile stages: {stages} (the rest of the first call is the first run, which JIT-compiles the generated code)");
            GC.KeepAlive(df);
        }
    }
}
