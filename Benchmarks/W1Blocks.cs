using System.Diagnostics;
using System.Globalization;

namespace Tracer.Benchmarks;

/// <summary>
/// W1 with a fresh output per call and with each result disposed, in alternating blocks of calls in one process, so
/// that a slow spell of the machine shows in both loops instead of in one of two separately timed rows. Prints each
/// block's median, collections and GC pause per call.
/// Run: <c>dotnet run -c Release -- --w1-blocks 10000000 60</c> (n, calls per block).
/// </summary>
internal static class W1Blocks
{
    public static void Run(int n, int blocks = 4, int calls = 60)
    {
        var w = new ElementwiseGradient { N = n };
        w.Setup();
        for (int i = 0; i < 2 * calls; i++) w.Tracer();
        Console.WriteLine($"W1 n={n}, {Jit.Config.CpuThreads} thread(s), blocks of {calls} calls");
        Console.WriteLine("| block | loop | median | p10 | p90 | collections (gen-2) | GC pause per call |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var times = new double[calls];
        for (int block = 1; block <= blocks; block++)
        {
            foreach (bool dispose in new[] { false, true })
            {
                var paused = GC.GetTotalPauseDuration();
                int young = GC.CollectionCount(0), full = GC.CollectionCount(2);
                for (int i = 0; i < calls; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (dispose) w.TracerDisposed();
                    else w.Tracer();
                    times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                Array.Sort(times);
                double pause = (GC.GetTotalPauseDuration() - paused).TotalMicroseconds / calls;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {block} | {(dispose ? "disposed" : "fresh output")} | {times[calls / 2]:F2} ms | {times[calls / 10]:F2} ms | {times[calls * 9 / 10]:F2} ms | {GC.CollectionCount(0) - young} ({GC.CollectionCount(2) - full}) | {pause:F0} µs |"));
            }
        }
    }
}
