using System.Diagnostics;
using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Large host arrays handed out again to outputs of the same dtype and length. Large arrays live on .NET's
/// large-object heap, which only a full collection frees, and a loop that makes a new multi-megabyte tensor per step
/// would start a full collection every few steps. Two ways back into the pool:
/// <list type="bullet">
/// <item>a disposed tensor gives its array back at once (<see cref="Return"/>);</item>
/// <item>an output array is lent to its storage (<see cref="Lend"/>): once the garbage collector finds the storage
/// unreachable, the array is free again. After every collection the pool sweeps its loans. Tensors die young, so a
/// young collection finds them; when no array of the size is free and at least <see cref="CollectAfterBytes"/> were
/// lent since the last collection (8-128 MB, adapted to the measured pauses), the pool runs one itself, instead of
/// letting new large arrays push the runtime into full collections.</item>
/// </list>
/// Small arrays are left to the garbage collector (gen-0 collections are cheap). Bounded: at most
/// <see cref="MaxBytes"/> of free arrays; a size that no output asked for between two full collections loses its free
/// arrays; past <see cref="MaxLoansPerSize"/> live loans of one size the oldest is forgotten.
/// </summary>
internal static class HostArrayPool
{
    /// <summary>Arrays smaller than this (in bytes) are not pooled.</summary>
    public const int MinBytes = 64 * 1024;

    /// <summary>Most free bytes kept in the pool.</summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>
    /// Least bytes lent since the last collection after which an allocation may run one to reclaim arrays: the fewer
    /// arrays cycle, the warmer they are in cache. A collection pauses the process for 0.1-0.3 ms, which for an AdamW
    /// step of 0.2 ms is too often at this value; <see cref="Adapt"/> spaces collections out from here.
    /// </summary>
    public const long MinCollectAfterBytes = 8L << 20;

    /// <summary>
    /// Most bytes lent between induced collections, which bounds the arrays cycling per size. Past the last-level
    /// cache, spacing collections further costs no more misses (an add of 1e6 floats into one of 4 output arrays in
    /// turn took 380 us, into one of 32 the same, into a single array 160 us) and only saves pauses.
    /// </summary>
    public const long MaxCollectAfterBytes = 128L << 20;

    /// <summary>Pause share of the time between induced collections above which they are spaced out, and below which
    /// they are brought closer (warmer arrays).</summary>
    private const double MaxPauseShare = 0.05, MinPauseShare = 0.01;

    /// <summary>Most live loans tracked per dtype and length (a sweep reads each).</summary>
    public const int MaxLoansPerSize = 1024;

    private sealed class Size
    {
        public readonly Stack<Array> Free = new();
        public readonly List<HostLease> Loans = [];
        public bool Used;   // rented or lent since the last full collection
    }

    private static readonly object Gate = new();
    private static readonly Dictionary<(DType, int), Size> Sizes = [];
    private static long pooledBytes;
    private static long lentSinceCollection;
    private static int youngSeen, fullSeen;   // GC.CollectionCount(0) and (2) at the last sweep
    private static int induced;
    private static long dropped;
    private static long collectAfterBytes = MinCollectAfterBytes;   // adapts to the measured pauses
    private static long lastInducedEnd;   // Stopwatch timestamp

    /// <summary>Bytes lent since the last collection after which the pool runs one now (tests and benchmarks read it).</summary>
    public static long CollectAfterBytes
    {
        get { lock (Gate) return collectAfterBytes; }
    }

    /// <summary>Bytes of free arrays in the pool.</summary>
    public static long PooledBytes
    {
        get { lock (Gate) return pooledBytes; }
    }

    /// <summary>How many young collections the pool has run to reclaim lent arrays (tests and benchmarks read it).</summary>
    public static int InducedCollections => Volatile.Read(ref induced);

    /// <summary>Arrays given back or reclaimed that the pool did not keep (full); tests read it.</summary>
    public static long Dropped
    {
        get { lock (Gate) return dropped; }
    }

    /// <summary>Free arrays and open loans of one dtype and length (tests read them).</summary>
    public static (int Free, int Loans) Count(DType dtype, int length)
    {
        lock (Gate) return Sizes.TryGetValue((dtype, length), out var size) ? (size.Free.Count, size.Loans.Count) : (0, 0);
    }

    /// <summary>A free array of <paramref name="dtype"/> and <paramref name="length"/>, given back or reclaimed.</summary>
    public static bool TryRent(DType dtype, int length, out Array array)
    {
        long bytes = Bytes(dtype, length);
        array = null!;
        if (bytes < MinBytes) return false;
        var key = (dtype, length);
        lock (Gate)
        {
            SweepAfterCollection();
            if (TakeFree(key, bytes, out array)) return true;
            // No more than the loans the pool tracks of this size: a collection would find the rest as garbage.
            long due = Math.Min(collectAfterBytes, bytes * (MaxLoansPerSize / 2));
            if (lentSinceCollection < due || !Sizes.TryGetValue(key, out var size) || size.Loans.Count == 0)
                return false;
        }
        // Enough was lent since the last collection that earlier outputs are likely unreachable: a young collection
        // finds them, where a new large array would count towards the next full collection. The outputs the caller
        // still holds survive and move up a generation, where a gen-0 collection would no longer see them die, so it
        // is a gen-1 collection (as cheap here: 0.2-0.3 ms either way), which finds them at the next one. Outside the
        // lock: other threads may need it meanwhile.
        Interlocked.Increment(ref induced);
        long start = Stopwatch.GetTimestamp();
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        long end = Stopwatch.GetTimestamp();
        lock (Gate)
        {
            Adapt(start, end);
            SweepAfterCollection();
            return TakeFree(key, bytes, out array);
        }
    }

    /// <summary>
    /// Spaces induced collections out when their pauses take more than <see cref="MaxPauseShare"/> of the time
    /// between them, and brings them closer when less than <see cref="MinPauseShare"/>: doubling the bytes roughly
    /// halves the share, so the two bounds keep it from oscillating. Takes the collection's <see cref="Stopwatch"/>
    /// timestamps (tests call it directly).
    /// </summary>
    public static void Adapt(long start, long end)
    {
        lock (Gate)
        {
            long since = lastInducedEnd;
            lastInducedEnd = end;
            if (since == 0 || end <= since) return;
            double share = (double)(end - start) / (end - since);
            if (share > MaxPauseShare) collectAfterBytes = Math.Min(collectAfterBytes * 2, MaxCollectAfterBytes);
            else if (share < MinPauseShare) collectAfterBytes = Math.Max(collectAfterBytes / 2, MinCollectAfterBytes);
        }
    }

    /// <summary>
    /// Lends <paramref name="storage"/>'s array to it: the array comes back once the storage is unreachable. Only for
    /// arrays no other storage, program or caller holds (a compiled call's fresh output).
    /// </summary>
    public static void Lend(HostStorage storage)
    {
        var array = storage.Data;
        long bytes = Bytes(storage.DType, array.Length);
        if (bytes < MinBytes) return;
        lock (Gate)
        {
            var size = SizeOf((storage.DType, array.Length));
            size.Used = true;
            if (size.Loans.Count >= MaxLoansPerSize)
            {
                size.Loans[0].Close();   // forgotten: the garbage collector frees it with its storage
                size.Loans.RemoveAt(0);
            }
            var lease = new HostLease(storage, array, Gate);
            storage.Lease = lease;
            size.Loans.Add(lease);
            lentSinceCollection += bytes;
        }
    }

    /// <summary>An array given back by a disposed tensor (whose loan, if any, was cancelled first).</summary>
    public static void Return(Array array)
    {
        var dtype = DTypeExtensions.OfArray(array);
        long bytes = Bytes(dtype, array.Length);
        if (bytes < MinBytes) return;
        lock (Gate) AddFree(SizeOf((dtype, array.Length)), array, bytes);
    }

    /// <summary>Empties the pool and forgets every loan.</summary>
    public static void Clear()
    {
        lock (Gate)
        {
            foreach (var size in Sizes.Values)
            {
                foreach (var lease in size.Loans) lease.Close();
            }
            Sizes.Clear();
            pooledBytes = 0;
            lentSinceCollection = 0;
            collectAfterBytes = MinCollectAfterBytes;
            lastInducedEnd = 0;
        }
    }

    private static Size SizeOf((DType, int) key)
    {
        if (!Sizes.TryGetValue(key, out var size)) Sizes[key] = size = new Size();
        return size;
    }

    private static bool TakeFree((DType, int) key, long bytes, out Array array)
    {
        array = null!;
        if (!Sizes.TryGetValue(key, out var size)) return false;
        size.Used = true;
        if (!size.Free.TryPop(out array!)) return false;
        pooledBytes -= bytes;
        return true;
    }

    /// <summary>
    /// After a collection (anyone's): loans whose storage was collected give their array to the free list, cancelled
    /// ones are dropped; after a full collection, sizes nobody used since the previous one lose their free arrays.
    /// </summary>
    private static void SweepAfterCollection()
    {
        int young = GC.CollectionCount(0);
        if (young == youngSeen) return;
        youngSeen = young;
        lentSinceCollection = 0;
        int full = GC.CollectionCount(2);
        bool trim = full != fullSeen;
        fullSeen = full;
        foreach (var ((dtype, length), size) in Sizes)
        {
            long bytes = Bytes(dtype, length);
            var loans = size.Loans;
            int kept = 0;
            for (int i = 0; i < loans.Count; i++)
            {
                var lease = loans[i];
                bool gone = lease.OwnerGone;
                if (gone) AddFree(size, lease.Array, bytes);
                if (gone || lease.Cancelled) lease.Close();
                else loans[kept++] = lease;
            }
            loans.RemoveRange(kept, loans.Count - kept);
            if (trim && !size.Used)
            {
                pooledBytes -= bytes * size.Free.Count;
                size.Free.Clear();
                if (loans.Count == 0) Sizes.Remove((dtype, length));   // allowed while enumerating
            }
            if (trim) size.Used = false;
        }
    }

    static HostArrayPool() => _ = new FullCollectionWatch();

    /// <summary>
    /// Sweeps the pool after every full collection, even in a process that makes no more outputs, so that the arrays
    /// of dead tensors and sizes nobody asks for again do not stay in the pool. Its finalizer runs after each
    /// collection of its generation and re-registers it; once promoted, that is after each full collection.
    /// </summary>
    private sealed class FullCollectionWatch
    {
        ~FullCollectionWatch()
        {
            if (Environment.HasShutdownStarted) return;
            if (Monitor.TryEnter(Gate))   // never block the finalizer thread: the next collection sweeps instead
            {
                try
                {
                    SweepAfterCollection();
                }
                finally
                {
                    Monitor.Exit(Gate);
                }
            }
            GC.ReRegisterForFinalize(this);
        }
    }

    private static void AddFree(Size size, Array array, long bytes)
    {
        // No cap per size: a collection hands back all that was lent since the one before (and outputs promoted past
        // young collections come back together at a full one); an array the pool does not keep becomes garbage that
        // only a full collection frees (a cap of 32 per size cost an AdamW loop a full collection every 500 steps).
        if (pooledBytes + bytes > MaxBytes)
        {
            dropped++;
            return;
        }
        size.Free.Push(array);
        pooledBytes += bytes;
    }

    private static long Bytes(DType dtype, int length) => (long)length * dtype switch
    {
        DType.Float64 => 8,
        DType.Bool => 1,
        _ => 4,
    };
}
