using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
[DoNotParallelize]
public class CacheTests
{
    [TestMethod]
    public void SecondCallWithTheSameSignatureHits()
    {
        var f = Jit.Grad((Tensor x) => Sum(Sin(x)));
        long hits = Jit.Cache.Hits, misses = Jit.Cache.Misses;
        f(Tensor.Zeros(DType.Float32, 4));
        f(Tensor.Ones(DType.Float32, 4));
        Assert.AreEqual(misses + 1, Jit.Cache.Misses);
        Assert.AreEqual(hits + 1, Jit.Cache.Hits);
    }

    [TestMethod]
    public void MissEventNamesTheArgumentThatChanged()
    {
        var f = Jit.Grad((Tensor x) => Sum(Sin(x)));
        var seen = new List<string>();
        void Handler(CacheMiss e) => seen.Add(e.Explanation);
        Jit.Cache.Miss += Handler;
        try
        {
            f(Tensor.Zeros(DType.Float32, 4));
            f(Tensor.Zeros(DType.Float32, 8));
            f(Tensor.Zeros(DType.Float64, 8));
        }
        finally
        {
            Jit.Cache.Miss -= Handler;
        }
        Assert.AreEqual(3, seen.Count, string.Join("\n", seen));
        StringAssert.Contains(seen[0], "first call");
        StringAssert.Contains(seen[1], "arg 0: f32[4] -> f32[8]");
        StringAssert.Contains(seen[2], "arg 0: f32[8] -> f64[8]");
    }

    [TestMethod]
    public void StaticLeavesArePartOfTheKey()
    {
        // An int is static (a double would be traced: see TracedNumberTests).
        var f = Jit.Compile((Tensor x, int scale) => x * scale);
        var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        long misses = Jit.Cache.Misses;
        CollectionAssert.AreEqual(new float[] { 2, 4 }, f(x, 2).ToFloatArray());
        CollectionAssert.AreEqual(new float[] { 3, 6 }, f(x, 3).ToFloatArray());
        CollectionAssert.AreEqual(new float[] { 2, 4 }, f(x, 2).ToFloatArray());
        Assert.AreEqual(misses + 2, Jit.Cache.Misses);
    }

    [TestMethod]
    public void ClearDropsEntriesAndRetraces()
    {
        int traces = 0;
        var f = Jit.Compile((Tensor x) =>
        {
            traces++;
            return x + 1.0;
        });
        var x = Tensor.Zeros(DType.Float32, 2);
        f(x);
        f(x);
        Assert.AreEqual(1, traces);
        Jit.Cache.Clear();
        Assert.AreEqual(0, Jit.Cache.Count);
        f(x);
        Assert.AreEqual(2, traces);
        Assert.AreEqual(1, Jit.Cache.Count);
    }

    [TestMethod]
    public void SixteenThreadsCallingANewDelegateGetCorrectResultsAndCompileOnce()
    {
        int traces = 0;
        var f = Jit.Grad((Tensor x) =>
        {
            Interlocked.Increment(ref traces);
            return Sum(x * x * 3.0);
        });
        var results = new float[16][];
        using var start = new Barrier(16);
        var threads = new Thread[16];
        for (int t = 0; t < 16; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                var x = Tensor.Full(DType.Float32, id, 5);
                start.SignalAndWait();
                results[id] = f(x).ToFloatArray();
            });
            threads[t].Start();
        }
        foreach (var th in threads) th.Join();
        for (int t = 0; t < 16; t++) CollectionAssert.AreEqual(Enumerable.Repeat(6f * t, 5).ToArray(), results[t]);
        Assert.AreEqual(1, traces);
    }
}
