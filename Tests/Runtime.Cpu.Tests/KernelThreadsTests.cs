using Tracer.Runtime.Cpu;

namespace Tracer.Tests;

/// <summary>The persistent kernel workers: every index runs exactly once, errors reach the caller, overlapping and
/// nested regions fall back correctly, and sleeping workers wake for later regions.</summary>
[TestClass]
public sealed class KernelThreadsTests
{
    private static readonly KernelThreads Pool = new(3);

    [TestMethod]
    public void EveryIndexRunsExactlyOnce()
    {
        foreach (int count in new[] { 1, 2, 3, 7, 64, 1000 })
        {
            foreach (int threads in new[] { 1, 2, 4, 8 })
            {
                var hits = new int[count];
                Pool.For(count, threads, i => Interlocked.Increment(ref hits[i]));
                CollectionAssert.AreEqual(Enumerable.Repeat(1, count).ToArray(), hits, $"count {count}, threads {threads}");
            }
        }
    }

    [TestMethod]
    public void WorkersTakePartAndWakeAfterSleeping()
    {
        var pool = new KernelThreads(1);   // its own, so no other test's region makes it fall back
        for (int round = 0; round < 3; round++)
        {
            var threadIds = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            var barrier = new Barrier(2);
            // Two indices that wait for each other can only finish when a worker runs one of them.
            pool.For(2, 2, _ =>
            {
                threadIds[Environment.CurrentManagedThreadId] = true;
                Assert.IsTrue(barrier.SignalAndWait(TimeSpan.FromSeconds(10)), "a worker took part");
            });
            Assert.HasCount(2, threadIds);
            Thread.Sleep(5);   // longer than the workers poll: they block, and the next region must wake them
        }
    }

    [TestMethod]
    public void ErrorsReachTheCallerAndThePoolStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Pool.For(50, 4, i =>
        {
            if (i == 17) throw new InvalidOperationException("index 17");
        }));
        Assert.AreEqual("index 17", e.Message);
        int sum = 0;
        Pool.For(100, 4, i => Interlocked.Add(ref sum, i));
        Assert.AreEqual(4950, sum);
    }

    /// <summary>
    /// Regression: a region started while another runs falls back to Parallel.For, which wrapped a kernel's
    /// exception in an AggregateException; the exception type then depended on what other threads were doing.
    /// </summary>
    [TestMethod]
    public void ErrorsOfAFallbackRegionAreThrownUnwrapped()
    {
        var pool = new KernelThreads(2);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // Hold the pool's region open from another thread, so the next region must fall back.
        var holder = Task.Run(() => pool.For(2, 2, i =>
        {
            if (i == 0)
            {
                inside.Set();
                release.Wait();
            }
        }));
        Assert.IsTrue(inside.Wait(TimeSpan.FromSeconds(10)));
        try
        {
            var e = Assert.Throws<Exception>(() => pool.For(8, 2, i =>
            {
                if (i == 5) throw new ArgumentOutOfRangeException("indices", "index 5");
            }));
            Assert.IsInstanceOfType<ArgumentOutOfRangeException>(e, e.ToString());
        }
        finally
        {
            release.Set();
            holder.Wait();
        }
    }

    [TestMethod]
    public void OverlappingAndNestedRegionsAllComplete()
    {
        long total = 0;
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            Pool.For(10, 4, i => Pool.For(5, 2, j => Interlocked.Add(ref total, i * 5 + j))));
        Assert.AreEqual(32L * (49 * 50 / 2), total);
    }
}
