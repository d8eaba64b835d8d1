using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Large host arrays handed out again to outputs of the same dtype and length. Large arrays live on .NET's
/// large-object heap, which only a full collection frees, and a loop that makes a new multi-megabyte tensor per step
/// would start a full collection every few steps. Two ways back into the pool:
/// <list type="bullet">
/// <item>a disposed tensor gives its array back at once (<see cref="Return"/>);</item>
/// <item>an output array is lent to its storage (<see cref="Lend"/>): once the garbage collector finds the storage
/// unreachable, the array is free again. Tensors die young, so a cheap young collection finds them (16 µs for gen 0,
/// 24 µs for gen 1 on a 2-core EPYC with a 200 MB heap); when no array of the size is free and at least
/// <see cref="CollectAfterBytes"/> were lent since the last collection, the pool runs one itself, instead of letting
/// new large arrays push the runtime into full collections.</item>
/// </list>
/// Small arrays are left to the garbage collector (gen-0 collections are cheap). Bounded: past
/// <see cref="MaxBytes"/> free bytes, returned arrays are dropped; past <see cref="MaxLoansPerSize"/> loans of one
/// size the oldest is forgotten.
/// </summary>
internal static class HostArrayPool
{
    /// <summary>Arrays smaller than this (in bytes) are not pooled.</summary>
    public const int MinBytes = 64 * 1024;

    /// <summary>Most free bytes kept in the pool.</summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>
    /// Bytes lent since the last collection after which an allocation may run one to reclaim arrays: writing 16 MB
    /// takes over a millisecond, so the collection costs about 1 % of the loop that triggers it.
    /// </summary>
    public const long CollectAfterBytes = 16L << 20;

    /// <summary>Most loans tracked per dtype and length (a scan for free arrays reads each).</summary>
    public const int MaxLoansPerSize = 1024;

    private static readonly object Gate = new();
    private static readonly Dictionary<(DType, int), Stack<Array>> Free = [];
    private static readonly Dictionary<(DType, int), List<HostLease>> Loans = [];
    private static long pooledBytes;
    private static long lentSinceCollection;
    private static int collectionsSeen;
    private static int induced;

    /// <summary>Bytes of free arrays in the pool.</summary>
    public static long PooledBytes
    {
        get { lock (Gate) return pooledBytes; }
    }

    /// <summary>How many young collections the pool has run to reclaim lent arrays (tests and benchmarks read it).</summary>
    public static int InducedCollections => Volatile.Read(ref induced);

    /// <summary>Live loans of every size (tests read it).</summary>
    public static int LoanCount
    {
        get { lock (Gate) return Loans.Values.Sum(l => l.Count); }
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
            if (TakeFree(key, bytes, out array) || Reclaim(key, out array)) return true;
            int seen = GC.CollectionCount(0);
            if (seen != collectionsSeen) (collectionsSeen, lentSinceCollection) = (seen, 0);
            if (lentSinceCollection < CollectAfterBytes || !Loans.TryGetValue(key, out var loans) || loans.Count == 0)
                return false;
        }
        // Enough was lent since the last collection that earlier outputs are likely unreachable: a gen-0 collection
        // (tens of microseconds on a small young generation) finds them, where a new large array would count towards
        // the next full collection. Outside the lock: finalizers and other threads may need it meanwhile.
        // The output the caller still holds survives the collection and moves up a generation, where gen-0
        // collections no longer see it die: every fourth collection is a gen-1 one (about 1.5x the cost) to find those.
        int n = Interlocked.Increment(ref induced);
        GC.Collect(n % 4 == 0 ? 1 : 0, GCCollectionMode.Forced, blocking: true);
        lock (Gate)
        {
            (collectionsSeen, lentSinceCollection) = (GC.CollectionCount(0), 0);
            return TakeFree(key, bytes, out array) || Reclaim(key, out array);
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
            var key = (storage.DType, array.Length);
            if (!Loans.TryGetValue(key, out var loans)) Loans[key] = loans = [];
            if (loans.Count >= MaxLoansPerSize)
            {
                loans[0].Close();   // forgotten: the garbage collector frees it with its storage
                loans.RemoveAt(0);
            }
            var lease = new HostLease(storage, array, Gate);
            storage.Lease = lease;
            loans.Add(lease);
            lentSinceCollection += bytes;
        }
    }

    /// <summary>An array given back by a disposed tensor (whose loan, if any, was cancelled first).</summary>
    public static void Return(Array array)
    {
        var dtype = DTypeExtensions.OfArray(array);
        long bytes = Bytes(dtype, array.Length);
        if (bytes < MinBytes) return;
        lock (Gate) AddFree((dtype, array.Length), array, bytes);
    }

    /// <summary>Empties the pool and forgets every loan.</summary>
    public static void Clear()
    {
        lock (Gate)
        {
            Free.Clear();
            foreach (var loans in Loans.Values)
            {
                foreach (var lease in loans) lease.Close();
            }
            Loans.Clear();
            pooledBytes = 0;
            lentSinceCollection = 0;
        }
    }

    private static bool TakeFree((DType, int) key, long bytes, out Array array)
    {
        if (Free.TryGetValue(key, out var stack) && stack.TryPop(out array!))
        {
            pooledBytes -= bytes;
            return true;
        }
        array = null!;
        return false;
    }

    /// <summary>
    /// Scans the loans of one size: cancelled ones are dropped, those whose storage was collected give their array
    /// back (the first to the caller, the rest to the free list).
    /// </summary>
    private static bool Reclaim((DType, int) key, out Array array)
    {
        array = null!;
        if (!Loans.TryGetValue(key, out var loans)) return false;
        long bytes = Bytes(key.Item1, key.Item2);
        int kept = 0;
        for (int i = 0; i < loans.Count; i++)
        {
            var lease = loans[i];
            if (lease.OwnerGone)
            {
                if (array is null) array = lease.Array;
                else AddFree(key, lease.Array, bytes);
                lease.Close();
            }
            else if (lease.Cancelled)
            {
                lease.Close();
            }
            else
            {
                loans[kept++] = lease;
            }
        }
        loans.RemoveRange(kept, loans.Count - kept);
        return array is not null;
    }

    private static void AddFree((DType, int) key, Array array, long bytes)
    {
        if (pooledBytes + bytes > MaxBytes) return;
        if (!Free.TryGetValue(key, out var stack)) Free[key] = stack = new Stack<Array>();
        stack.Push(array);
        pooledBytes += bytes;
    }

    private static long Bytes(DType dtype, int length) => (long)length * dtype switch
    {
        DType.Float64 => 8,
        DType.Bool => 1,
        _ => 4,
    };
}
