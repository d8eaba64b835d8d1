namespace Tracer;

/// <summary>Why a transformed function traced and compiled again.</summary>
/// <param name="Function">The transformed function, e.g. <c>Grad(Loss)</c>.</param>
/// <param name="Signature">The new signature, one entry per argument.</param>
/// <param name="Explanation">What changed, e.g. <c>Grad(Loss): arg 0: f32[4] -> f32[8]</c>, or that it was the first call.</param>
public sealed record CacheMiss(string Function, string Signature, string Explanation);

/// <summary>
/// The compilation cache shared by every delegate that <see cref="Jit"/> returns: counters, a clear switch and an
/// event that explains every miss.
/// </summary>
public sealed class JitCache
{
    private long hits;
    private long misses;
    private int count;
    private int generation;

    internal JitCache()
    {
    }

    /// <summary>Compiled entries alive (one per function and signature).</summary>
    public int Count => Volatile.Read(ref count);

    public long Hits => Interlocked.Read(ref hits);

    public long Misses => Interlocked.Read(ref misses);

    /// <summary>Raised on every miss (first call or retrace), on the calling thread, before tracing starts.</summary>
    public event Action<CacheMiss>? Miss;

    /// <summary>Drops every compiled entry and resets the counters; the next call of each function retraces.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref generation);
        Interlocked.Exchange(ref count, 0);
        Interlocked.Exchange(ref hits, 0);
        Interlocked.Exchange(ref misses, 0);
    }

    internal int Generation => Volatile.Read(ref generation);

    internal void RecordHit() => Interlocked.Increment(ref hits);

    internal void RecordMiss(CacheMiss miss)
    {
        Interlocked.Increment(ref misses);
        Miss?.Invoke(miss);
    }

    internal void RecordEntry() => Interlocked.Increment(ref count);
}
