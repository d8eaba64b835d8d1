using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>The cache is one bounded table: Clear frees the code, Capacity drops least recently used entries.</summary>
[TestClass]
[DoNotParallelize]
public class CacheCapacityTests
{
    [TestMethod]
    public void ClearReallyDropsTheCompiledCode()
    {
        Jit.Cache.Clear();
        // A 20 MB array made while tracing becomes a constant of the compiled program: only the entry holds it.
        var f = Jit.Compile((Tensor x) => Sum(Tensor.Ones(DType.Float32, 5_000_000) * x));
        Assert.AreEqual(5_000_000.0, f(Tensor.Ones(DType.Float32, 1)).Item(), 1);
        Assert.AreEqual(1, Jit.Cache.Count);
        long held = GC.GetTotalMemory(forceFullCollection: true);
        Jit.Cache.Clear();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.AreEqual(0, Jit.Cache.Count);
        Assert.IsGreaterThan(15_000_000L, held - after, $"Clear must free the compiled constant (held {held}, after {after})");
        GC.KeepAlive(f);   // the delegate itself stays alive and usable
        Assert.AreEqual(5_000_000.0, f(Tensor.Ones(DType.Float32, 1)).Item(), 1);
    }

    [TestMethod]
    public void CapacityKeepsTheMostRecentlyUsedEntries()
    {
        int saved = Jit.Cache.Capacity;
        try
        {
            Jit.Cache.Clear();
            Jit.Cache.Capacity = 2;
            int traces = 0;
            var f = Jit.Compile((Tensor x) =>
            {
                traces++;
                return x * 2.0;
            });
            Tensor Call(int n) => f(Tensor.Zeros(DType.Float32, n));
            Call(1);
            Call(2);
            Call(1);          // 1 is now more recent than 2
            Call(3);          // evicts 2
            Assert.AreEqual(2, Jit.Cache.Count);
            Assert.AreEqual(3, traces);
            Call(1);
            Assert.AreEqual(3, traces, "1 was kept");
            Call(2);
            Assert.AreEqual(4, traces, "2 was dropped and traces again");
            Assert.AreEqual(2, Jit.Cache.Count);
            Assert.Throws<ArgumentOutOfRangeException>(() => Jit.Cache.Capacity = 0);
        }
        finally
        {
            Jit.Cache.Capacity = saved;
        }
    }

    [TestMethod]
    public void CountIsLiveEntriesAcrossFunctions()
    {
        Jit.Cache.Clear();
        var f = Jit.Compile((Tensor x) => x + 1.0);
        var g = Jit.Grad((Tensor x) => Sum(x * x));
        f(Tensor.Zeros(DType.Float32, 2));
        g(Tensor.Zeros(DType.Float32, 2));
        g(Tensor.Zeros(DType.Float64, 2));
        Assert.AreEqual(3, Jit.Cache.Count);
        Assert.AreEqual(3, Jit.Cache.Misses);
        g(Tensor.Zeros(DType.Float64, 2));
        Assert.AreEqual(1, Jit.Cache.Hits);
    }

    [TestMethod]
    public void ManyShapesStayWithinTheCapacity()
    {
        int saved = Jit.Cache.Capacity;
        try
        {
            Jit.Cache.Clear();
            Jit.Cache.Capacity = 16;
            var f = Jit.Compile((Tensor x) => Sum(Sin(x)));
            for (int n = 1; n <= 100; n++) f(Tensor.Zeros(DType.Float32, n));
            Assert.AreEqual(16, Jit.Cache.Count);
        }
        finally
        {
            Jit.Cache.Capacity = saved;
        }
    }
}
