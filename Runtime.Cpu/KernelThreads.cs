using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Persistent worker threads for kernels split across cores. A parallel region publishes its work, the caller takes
/// part, and idle workers claim the remaining indices. After a region a worker keeps polling for the next one for a
/// short while (<see cref="SpinMicroseconds"/>) before it blocks, as OpenMP runtimes do: a training loop runs split
/// kernels back to back, and waking a blocked thread (through the hypervisor on a virtual machine) can take longer
/// than a kernel, so with the thread pool the caller often ended up running every chunk itself. A region that starts
/// while another is running (calls from several threads at once, or a region inside a region) falls back to
/// <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>. The pool also measures how long its workers
/// take to start on a region (polling and blocked apart), which <see cref="Pays"/> uses to decide splits.
/// </summary>
internal sealed class KernelThreads
{
    /// <summary>How long an idle worker polls for new work before blocking.</summary>
    public const int SpinMicroseconds = 300;

    public static readonly KernelThreads Shared = new(Math.Max(0, Environment.ProcessorCount - 1));

    /// <summary>
    /// A region costs this much besides waking a worker (publishing it, claiming indices on shared cache lines,
    /// waiting for the last one), so a kernel shorter than a few of these stays on one thread whatever the wake-up.
    /// </summary>
    public const double RegionNanoseconds = 2_000;

    /// <summary>No kernel shorter than this on one thread splits (four regions' fixed cost).</summary>
    public const double MinimumSplitNanoseconds = 4 * RegionNanoseconds;

    /// <summary>
    /// A kernel splits when it takes at least this many wake-ups on one thread. Split in two, it then ends after about
    /// wake + T/2 (a worker that starts later finds the caller has taken its half, so never much after T): below two
    /// wake-ups the split saves nothing, at two it starts to, and the region cost floor keeps short kernels whole.
    /// </summary>
    private const double WakesPerKernel = 2;

    private readonly Worker[] workers;
    private readonly long spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private Region? current;
    private long generation;
    private int busy;

    // Measured wake-up latencies (publish to a worker starting on the region), a running average each, kept apart
    // for a worker that was still polling and one that had blocked: the first is about a microsecond, the second
    // (a futex wake, through the hypervisor on a virtual machine) tens of microseconds. Until measured, guesses.
    private long pollingWakeTicks = Stopwatch.Frequency / 1_000_000;
    private long blockedWakeTicks = Stopwatch.Frequency * 40 / 1_000_000;
    private long lastRegionEnd;
    private int declined;

    public KernelThreads(int workerCount)
    {
        workers = new Worker[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            workers[i] = new Worker(this, i);
            var thread = new Thread(workers[i].Loop) { IsBackground = true, Name = $"Tracer kernel worker {i + 1}" };
            thread.Start();
        }
    }

    /// <summary>
    /// The cost model's decision: true when a kernel that takes <paramref name="nanoseconds"/> on one thread runs
    /// faster split, i.e. it takes at least twice the expected wake-up of a worker (measured, and much shorter while
    /// the workers still poll after a recent region) and several times the fixed cost of a region. A split that
    /// does not pay costs little anyway: indices are claimed one at a time, so a worker that wakes late finds the
    /// caller has taken its share. Every 16th declined split runs anyway, so a latency measured during a burst of
    /// load does not keep kernels on one thread after the load has gone.
    /// </summary>
    public bool Pays(double nanoseconds)
    {
        if (workers.Length == 0 || nanoseconds < MinimumSplitNanoseconds) return false;
        if (nanoseconds >= WakesPerKernel * ExpectedWakeNanoseconds) return true;
        return (Interlocked.Increment(ref declined) & 15) == 0;
    }

    /// <summary>How long a worker is expected to take to start on a region published now.</summary>
    public double ExpectedWakeNanoseconds
    {
        get
        {
            bool polling = Stopwatch.GetTimestamp() - Volatile.Read(ref lastRegionEnd) < spinTicks;
            long ticks = Volatile.Read(ref polling ? ref pollingWakeTicks : ref blockedWakeTicks);
            return ticks * 1e9 / Stopwatch.Frequency;
        }
    }

    /// <summary>
    /// Folds one measured wake-up into its running average (a quarter of the way towards it). One sample counts for
    /// at most four times the average: a worker descheduled for milliseconds by other load once should not keep
    /// every kernel on one thread for long.
    /// </summary>
    private void RecordWake(long ticks, bool blocked)
    {
        ref long average = ref blocked ? ref blockedWakeTicks : ref pollingWakeTicks;
        long old = Volatile.Read(ref average);
        ticks = Math.Min(ticks, 4 * old + Stopwatch.Frequency / 100_000);
        Volatile.Write(ref average, old + (ticks - old) / 4);
    }

    /// <summary>Runs <paramref name="body"/> for every index in [0, count) on at most <paramref name="threads"/> threads.</summary>
    public void For(int count, int threads, Action<int> body)
    {
        int helpers = Math.Min(Math.Min(threads, count) - 1, workers.Length);
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            try
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // Throw what a kernel threw, as the worker path below does: the exception a caller sees must not
                // depend on whether another thread happened to be running a parallel kernel at the same time.
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            return;
        }
        var region = new Region(body, count, helpers);
        try
        {
            Volatile.Write(ref current, region);
            Interlocked.Increment(ref generation);
            for (int w = 0; w < helpers; w++) workers[w].Wake();
            region.Work();
            var spin = new SpinWait();
            while (Volatile.Read(ref region.Pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        }
        finally
        {
            Volatile.Write(ref current, null);
            Volatile.Write(ref lastRegionEnd, Stopwatch.GetTimestamp());
            Volatile.Write(ref busy, 0);
        }
        if (region.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>One parallel region: indices are claimed one at a time, so a late or slow thread just takes fewer.</summary>
    private sealed class Region
    {
        public readonly int Helpers;
        public readonly long Published = Stopwatch.GetTimestamp();
        public int Pending;
        public Exception? Error;
        private readonly Action<int> body;
        private readonly int count;
        private int next;

        public Region(Action<int> body, int count, int helpers)
        {
            this.body = body;
            this.count = count;
            Pending = count;
            Helpers = helpers;
        }

        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref next) - 1) < count)
            {
                try
                {
                    body(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Error, e, null);
                }
                finally
                {
                    Interlocked.Decrement(ref Pending);
                }
            }
        }
    }

    private sealed class Worker(KernelThreads owner, int index)
    {
        private readonly ManualResetEventSlim signal = new(false, spinCount: 0);
        private int sleeping;

        /// <summary>Called after a new region is published: a blocked worker is released, a polling one sees it anyway.</summary>
        public void Wake()
        {
            if (Volatile.Read(ref sleeping) == 1) signal.Set();
        }

        public void Loop()
        {
            long seen = 0;
            while (true)
            {
                long started = Stopwatch.GetTimestamp();
                bool blocked = false;
                while (Volatile.Read(ref owner.generation) == seen)
                {
                    if (Stopwatch.GetTimestamp() - started < owner.spinTicks)
                    {
                        Thread.SpinWait(20);
                        continue;
                    }
                    // Announce the sleep, then look again (both sides use full fences, so either this worker sees
                    // the new generation or the publisher sees that it sleeps and signals it).
                    Interlocked.Exchange(ref sleeping, 1);
                    if (Volatile.Read(ref owner.generation) == seen)
                    {
                        signal.Wait();
                        blocked = true;
                    }
                    signal.Reset();
                    Interlocked.Exchange(ref sleeping, 0);
                    started = Stopwatch.GetTimestamp();
                }
                seen = Volatile.Read(ref owner.generation);
                if (Volatile.Read(ref owner.current) is { } region && index < region.Helpers)
                {
                    if (index == 0) owner.RecordWake(Stopwatch.GetTimestamp() - region.Published, blocked);
                    region.Work();
                }
            }
        }
    }
}
