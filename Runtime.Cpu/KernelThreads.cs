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
/// <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.
/// </summary>
internal sealed class KernelThreads
{
    /// <summary>How long an idle worker polls for new work before blocking.</summary>
    public const int SpinMicroseconds = 300;

    public static readonly KernelThreads Shared = new(Math.Max(0, Environment.ProcessorCount - 1));

    private readonly Worker[] workers;
    private readonly long spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private Region? current;
    private long generation;
    private int busy;

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
            Volatile.Write(ref busy, 0);
        }
        if (region.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>One parallel region: indices are claimed one at a time, so a late or slow thread just takes fewer.</summary>
    private sealed class Region
    {
        public readonly int Helpers;
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
                    if (Volatile.Read(ref owner.generation) == seen) signal.Wait();
                    signal.Reset();
                    Interlocked.Exchange(ref sleeping, 0);
                    started = Stopwatch.GetTimestamp();
                }
                seen = Volatile.Read(ref owner.generation);
                if (Volatile.Read(ref owner.current) is { } region && index < region.Helpers) region.Work();
            }
        }
    }
}
