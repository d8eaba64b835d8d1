using System.Runtime.CompilerServices;
using Tracer.Compiler;
using Tracer.Runtime.Cpu;
using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>
/// A large output of a compiled call is lent to its tensor's storage: once the garbage collector finds the storage
/// unreachable, the CPU pool hands the array to a later output, so a loop like <c>g = grad(x)</c> reuses a few arrays
/// instead of filling the large-object heap. These tests pin what must never happen as well: a live, disposed,
/// captured or shared array handed out twice.
/// </summary>
[TestClass]
[DoNotParallelize]
public class OutputRecyclingTests
{
    // Sizes no other test uses, so the free list holds no array of them from elsewhere.
    private const int Rows = 131, Cols = 257;

    private static Tensor Input(float value) => Tensor.Full(DType.Float32, value, Rows, Cols);

    private static Array ArrayOf(Tensor t) => ((HostStorage)t.Storage).Data;

    private static HostLease? LeaseOf(Tensor t) => ((HostStorage)t.Storage).Lease;

    /// <summary>Calls <paramref name="f"/> and drops the result, returning only its array (its storage is garbage).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Array CallAndDrop(Func<Tensor, Tensor> f, Tensor x) => ArrayOf(f(x));

    private static void CollectYoung()
    {
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
    }

    [TestMethod]
    public void AnUnreachableOutputsArrayHoldsTheNextOutput()
    {
        var f = Jit.Compile((Tensor x) => x * 2.0);
        var x = Input(1);
        var dropped = CallAndDrop(f, x);
        CollectYoung();
        var y = f(x);
        Assert.AreSame(dropped, ArrayOf(y), "the output reuses the array of the collected one");
        Assert.AreEqual(2f, y.ToFloatArray()[Rows * Cols - 1]);
        Assert.IsNotNull(LeaseOf(y), "the new output is lent in turn");
    }

    [TestMethod]
    public void ALiveOutputIsNeverHandedOut()
    {
        var f = Jit.Compile((Tensor x, Tensor k) => x * k);
        var x = Input(1);
        var kept = f(x, Tensor.Scalar(5f));
        var keptArray = ArrayOf(kept);
        for (int i = 0; i < 50; i++)
        {
            var dropped = CallAndDrop(t => f(t, Tensor.Scalar((float)i)), x);
            Assert.AreNotSame(keptArray, dropped, $"call {i} wrote into a live output");
            if (i % 5 == 0) CollectYoung();
        }
        var values = kept.ToFloatArray();
        Assert.AreEqual(5f, values[0]);
        Assert.AreEqual(5f, values[^1]);
    }

    [TestMethod]
    public void ADisposedOutputGoesBackOnceNotTwice()
    {
        var f = Jit.Compile((Tensor x) => x + 3.0);
        var x = Input(1);
        var first = DisposeAndDrop(f, x);
        CollectYoung();   // the disposed storage is unreachable now too: its cancelled loan must not give the array again
        var outputs = new List<Tensor>();
        var arrays = new HashSet<Array>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 40; i++)
        {
            outputs.Add(f(x));
            Assert.IsTrue(arrays.Add(ArrayOf(outputs[^1])), $"output {i} got an array a live output holds");
        }
        Assert.IsTrue(arrays.Contains(first), "the disposed array was handed out (once)");
        foreach (var output in outputs) Assert.AreEqual(4f, output.ToFloatArray()[7]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Array DisposeAndDrop(Func<Tensor, Tensor> f, Tensor x)
    {
        var y = f(x);
        var array = ArrayOf(y);
        y.Dispose();
        return array;
    }

    [TestMethod]
    public void AnOutputCapturedAsAConstantIsNeverReclaimed()
    {
        var x = Input(1);
        var (shift, captured) = CaptureAndDrop(x);
        CollectYoung();
        var f = Jit.Compile((Tensor t) => t * 4.0);
        var outputs = new List<Tensor>();
        for (int i = 0; i < 20; i++)
        {
            outputs.Add(f(x));
            Assert.AreNotSame(captured, ArrayOf(outputs[^1]), "an output reused the array a compiled program holds");
        }
        Assert.AreEqual(1f + 10f, shift(x).ToFloatArray()[100], "the compiled constant is intact");
    }

    /// <summary>A compiled function that captured an output as a constant; the output's tensor itself is dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Func<Tensor, Tensor>, Array) CaptureAndDrop(Tensor x)
    {
        var ten = Jit.Compile((Tensor t) => t * 10.0)(x);
        Assert.IsNotNull(LeaseOf(ten));
        var shift = Jit.Compile((Tensor t) => t + ten);
        Assert.AreEqual(11f, shift(x).ToFloatArray()[0]);
        Assert.IsTrue(LeaseOf(ten)!.Cancelled, "capturing the tensor cancelled its loan");
        return (shift, ArrayOf(ten));
    }

    [TestMethod]
    public void NoTwoLiveTensorsShareALentArray()
    {
        var twice = Jit.Compile((Tensor x) =>
        {
            var y = x * 2.0;
            return (y, y);
        });
        var (a, b) = twice(Input(1));
        Assert.IsTrue(LeaseOf(a) is null || !ReferenceEquals(ArrayOf(a), ArrayOf(b)), "an array two outputs share cannot go back when one dies");
        Assert.IsNotNull(LeaseOf(Input(2) + 0.0), "an eager op's output is lent like a compiled one's");

        // Outputs that are their input, or a reshape of it: when the input's tensor dies, the output still reads the
        // array, so it must not go back to the pool.
        var same = Jit.Compile((Tensor x) => x);
        var flat = Jit.Compile((Tensor x) => Reshape(x, Rows * Cols));
        var (kept, keptFlat) = PassThroughAndDrop(same, flat);
        CollectYoung();
        var f = Jit.Compile((Tensor t) => t * 0.0);
        var outputs = new List<Tensor>();
        for (int i = 0; i < 10; i++) outputs.Add(f(Input(1)));
        Assert.AreEqual(6f, kept.ToFloatArray()[9], "an output that passed its input through was overwritten");
        Assert.AreEqual(6f, keptFlat.ToFloatArray()[Rows * Cols - 1], "a reshaped input was overwritten");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Tensor, Tensor) PassThroughAndDrop(Func<Tensor, Tensor> same, Func<Tensor, Tensor> flat)
    {
        var six = Input(3) * 2.0;   // lent
        var seven = Input(3) * 2.0;
        return (same(six), flat(seven));
    }

    [TestMethod]
    public void ALoopThatDropsItsResultsCyclesThroughAFewArrays()
    {
        var grad = Jit.Grad((Tensor x) => Sum(Tanh(x) * Sin(x) + x * x));
        var x = Tensor.FromArray(Enumerable.Range(0, 1 << 20).Select(i => (float)Math.Sin(i)).ToArray(), 1 << 20);
        var expected = grad(x).ToFloatArray();
        var seen = new HashSet<Array>(ReferenceEqualityComparer.Instance);
        int inducedBefore = HostArrayPool.InducedCollections;
        for (int i = 0; i < 200; i++)
        {
            var g = grad(x);
            seen.Add(ArrayOf(g));
            if (i % 50 == 0) CollectionAssert.AreEqual(expected, g.ToFloatArray(), $"call {i}");
        }
        // 200 calls of 4 MB: the pool reclaims after every 8-128 MB lent (at most 32 arrays in flight, about 20
        // measured); without it, 200.
        Assert.IsTrue(seen.Count <= 48, $"{seen.Count} distinct output arrays in 200 calls");
        Assert.IsTrue(HostArrayPool.InducedCollections > inducedBefore || seen.Count <= 5,
            "the pool ran young collections itself when it had lent enough");
    }

    [TestMethod]
    public void ATrainingLoopWithFreshStateKeepsEveryArrayItReclaims()
    {
        // An AdamW-like step: three 256 KB outputs (parameter and two moments) fed back in, each step's old ones dropped.
        // A collection hands back all that was lent since the one before, plus the outputs that were live at it; when
        // the pool kept at most 32 arrays per size, the surplus became garbage on the large-object heap and the loop
        // ran a full collection every 500 steps.
        const int r = 257, c = 255;
        var step = Jit.Compile((Tensor p, Tensor m, Tensor v) =>
        {
            var m2 = m * 0.9 + p * 0.1;
            var v2 = v * 0.99 + p * p * 0.01;
            return (p - m2 * 0.001 / (Sqrt(v2) + 1e-8), m2, v2);
        });
        HostArrayPool.Clear();
        var (p, m, v) = (Tensor.Full(DType.Float32, 1f, r, c), Tensor.Full(DType.Float32, 0f, r, c), Tensor.Full(DType.Float32, 0f, r, c));
        for (int i = 0; i < 300; i++) (p, m, v) = step(p, m, v);   // let the collection interval settle
        long droppedBefore = HostArrayPool.Dropped;
        int inducedBefore = HostArrayPool.InducedCollections;
        for (int i = 0; i < 1500; i++) (p, m, v) = step(p, m, v);
        Assert.IsTrue(HostArrayPool.InducedCollections > inducedBefore, "the pool reclaimed arrays in 1,500 steps");
        Assert.AreEqual(droppedBefore, HostArrayPool.Dropped, $"arrays reclaimed from dead outputs were thrown away (interval {HostArrayPool.CollectAfterBytes >> 20} MB, {HostArrayPool.Count(DType.Float32, r * c)} free and lent, {HostArrayPool.InducedCollections - inducedBefore} collections, gen-0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)})");
        var (free, loans) = HostArrayPool.Count(DType.Float32, r * c);
        long cycle = HostArrayPool.MaxCollectAfterBytes / (4L * r * c);
        Assert.IsTrue(free + loans <= 2 * cycle, $"{free} free and {loans} lent arrays for a loop that holds 3");
        Assert.IsTrue(p.ToFloatArray()[r * c - 1] < 1f, "the step ran");
    }

    [TestMethod]
    public void CollectionsAreSpacedOutWhenTheyPauseTooLongAndBroughtCloserWhenTheyDoNot()
    {
        HostArrayPool.Clear();
        long min = HostArrayPool.MinCollectAfterBytes;
        Assert.AreEqual(min, HostArrayPool.CollectAfterBytes);
        HostArrayPool.Adapt(1_000, 1_010);   // the first collection has no interval to compare with
        Assert.AreEqual(min, HostArrayPool.CollectAfterBytes);
        long t = 1_010;
        for (int i = 1; i <= 6; i++)   // pauses of 20 % of the interval: doubles up to the cap
        {
            HostArrayPool.Adapt(t + 80, t + 100);
            t += 100;
            Assert.AreEqual(Math.Min(min << i, HostArrayPool.MaxCollectAfterBytes), HostArrayPool.CollectAfterBytes, $"collection {i}");
        }
        HostArrayPool.Adapt(t + 970, t + 1_000);   // 3 %: between the bounds, unchanged
        t += 1_000;
        Assert.AreEqual(HostArrayPool.MaxCollectAfterBytes, HostArrayPool.CollectAfterBytes);
        HostArrayPool.Adapt(t + 9_995, t + 10_000);   // 0.05 %: halves
        Assert.AreEqual(HostArrayPool.MaxCollectAfterBytes / 2, HostArrayPool.CollectAfterBytes);
        HostArrayPool.Clear();
        Assert.AreEqual(min, HostArrayPool.CollectAfterBytes, "Clear starts over");
    }

    [TestMethod]
    public void ASizeNobodyAsksForAgainLeavesThePoolAfterTwoFullCollections()
    {
        // A one-off output of a size used nowhere else: the pool must not keep its array for the rest of the process.
        const int n = 54_321;
        var f = Jit.Compile((Tensor x) => Exp(x));
        var x = Tensor.Full(DType.Float32, 0f, n);
        CallAndDrop(f, x);
        Assert.AreEqual((0, 1), HostArrayPool.Count(DType.Float32, n), "the output's array is lent");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.AreEqual((1, 0), HostArrayPool.Count(DType.Float32, n), "after a full collection the loan ended and its array is free");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.AreEqual((0, 0), HostArrayPool.Count(DType.Float32, n), "unused since the last full collection: dropped");
    }

    [TestMethod]
    public void RecyclingCanBeTurnedOff()
    {
        var saved = Jit.Config.Cpu;
        try
        {
            Jit.Config.Cpu = saved with { RecycleUnreachableOutputs = false };
            var y = Jit.Compile((Tensor x) => x - 1.0)(Input(1));
            Assert.IsNull(LeaseOf(y));
            Assert.AreEqual(0f, y.ToFloatArray()[0]);
        }
        finally
        {
            Jit.Config.Cpu = saved;
        }
    }

    [TestMethod]
    public void ThreadsThatKeepAndDropOutputsNeverSeeAnotherThreadsValues()
    {
        // Four threads, one compiled function each, outputs of one size: arrays move between threads through the
        // pool. Each thread keeps its last three outputs and checks them on every iteration, so an array handed out
        // while still live shows up as a wrong value.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                var f = Jit.Compile((Tensor x, Tensor k) => x * k + id);
                var x = Input(1);
                var window = new Queue<(Tensor Output, float Expected)>();
                for (int i = 0; i < 150 && failures.IsEmpty; i++)
                {
                    float k = i % 13;
                    window.Enqueue((f(x, Tensor.Scalar(k)), k + id));
                    if (window.Count > 3) window.Dequeue();
                    foreach (var (output, expected) in window)
                    {
                        var v = output.ToFloatArray();
                        if (v[0] != expected || v[^1] != expected)
                            failures.Add($"thread {id}, call {i}: expected {expected}, found {v[0]} and {v[^1]}");
                    }
                    if (i % 25 == id) CollectYoung();
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        Assert.IsTrue(failures.IsEmpty, string.Join("\n", failures.Take(5)));
    }
}
