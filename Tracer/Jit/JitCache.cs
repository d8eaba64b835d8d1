using Tracer.Compiler;

namespace Tracer;

/// <summary>Why a transformed function traced and compiled again.</summary>
/// <param name="Function">The transformed function, e.g. <c>Grad(Loss)</c>.</param>
/// <param name="Signature">The new signature, one entry per argument.</param>
/// <param name="Explanation">What changed, e.g. <c>Grad(Loss): arg 0: f32[4] -> f32[8]</c>, or that it was the first call.</param>
public sealed record CacheMiss(string Function, string Signature, string Explanation);

/// <summary>One finished compile: which function, for which signature, and how long each pipeline stage took.</summary>
/// <param name="Function">The transformed function, e.g. <c>Compile(Predict)</c>.</param>
/// <param name="Signature">The argument signature it was compiled for (shapes and dtypes of every argument).</param>
/// <param name="Device">The device the code was generated for (that of the arguments).</param>
/// <param name="Times">trace, transform, optimise, lower and codegen, in order.</param>
public sealed record CompileEvent(string Function, string Signature, Device Device, IReadOnlyList<StageTime> Times)
{
    /// <summary>The compile's total time: the sum of its stage times.</summary>
    public TimeSpan Total
    {
        get
        {
            var total = TimeSpan.Zero;
            foreach (var t in Times) total += t.Elapsed;
            return total;
        }
    }

    /// <c>Function(signature) on device: stage times</c>, one line, for logs.
    public override string ToString() => $"{Function}{Signature} on {Device}: {string.Join(", ", Times)}";
}

/// <summary>
/// The compilation cache shared by every delegate that <see cref="Jit"/> returns: one table keyed by (function,
/// argument signature), bounded by <see cref="Capacity"/> with least recently used entries dropped; counters, a clear
/// switch that really frees the compiled code, and events that explain every miss and time every compile.
/// </summary>
public sealed class JitCache
{
    /// <summary>Default <see cref="Capacity"/>: far more signatures than a program normally compiles.</summary>
    public const int DefaultCapacity = 4096;

    private readonly LruTable<CacheKey, object> table = new(CacheKey.Comparer, DefaultCapacity);
    private long hits;
    private long misses;
    private int generation;

    internal JitCache()
    {
    }

    /// <summary>Compiled entries alive now (one per function and signature), at most <see cref="Capacity"/>.</summary>
    public int Count => table.Count;

    /// <summary>Most entries kept; past it the least recently used are dropped (and compile again when called).</summary>
    public int Capacity
    {
        get => table.Capacity;
        set => table.Capacity = value;
    }

    /// <summary>
    /// Calls of transformed functions that found compiled code for their signature, since start-up or the last
    /// <see cref="Clear"/>.
    /// </summary>
    public long Hits => Interlocked.Read(ref hits);

    /// <summary>
    /// Calls that had to trace and compile (a first call or a new signature), since start-up or the last
    /// <see cref="Clear"/>; each raised <see cref="Miss"/>.
    /// </summary>
    public long Misses => Interlocked.Read(ref misses);

    /// <summary>Raised on every miss (first call or retrace), on the calling thread, before tracing starts.</summary>
    public event Action<CacheMiss>? Miss;

    /// <summary>Raised after every compile, on the calling thread, with the time of each pipeline stage.</summary>
    public event Action<CompileEvent>? Compiled;

    /// <summary>
    /// Drops every compiled entry (the code becomes garbage once no call is running it), the eager kernels too, and
    /// resets the counters; the next call of each function traces and compiles again.
    /// </summary>
    public void Clear()
    {
        Interlocked.Increment(ref generation);
        table.Clear();
        Eager.Clear();
        Interlocked.Exchange(ref hits, 0);
        Interlocked.Exchange(ref misses, 0);
    }

    /// <summary>Bumped by <see cref="Clear"/>: a function's "last signature" from before it no longer explains a miss.</summary>
    internal int Generation => Volatile.Read(ref generation);

    internal bool TryGet(CacheKey probe, out object entry)
    {
        if (!table.TryGet(probe, out entry)) return false;
        Interlocked.Increment(ref hits);
        return true;
    }

    internal void Add(CacheKey key, object entry) => table.Add(key, entry);

    internal void RecordHit() => Interlocked.Increment(ref hits);

    internal void RecordMiss(CacheMiss miss)
    {
        Interlocked.Increment(ref misses);
        Miss?.Invoke(miss);
    }

    internal void RecordCompile(CompileEvent e) => Compiled?.Invoke(e);
}

/// <summary>
/// A cache key: the staged function (by reference) and its call signature's tokens. A thread's lookups reuse one
/// probe key that points at the signature writer's tokens, so a hit allocates nothing; stored keys own a copy.
/// </summary>
internal sealed class CacheKey
{
    public static readonly IEqualityComparer<CacheKey> Comparer = new KeyComparer();

    private object owner = null!;
    private long[] tokens = [];
    private int length;
    private int hash;

    /// <summary>Points this (probe) key at a signature without copying it.</summary>
    public CacheKey Set(object function, long[] signatureTokens, int count, int signatureHash)
    {
        owner = function;
        tokens = signatureTokens;
        length = count;
        hash = signatureHash ^ System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(function);
        return this;
    }

    /// <summary>A key that owns a copy of the probe's tokens (for storing).</summary>
    public CacheKey Snapshot() => new CacheKey().Set(owner, tokens.AsSpan(0, length).ToArray(), length, hash ^ System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(owner));

    /// <summary>Drops the references a probe holds, so a thread's probe keeps nothing alive.</summary>
    public void Release()
    {
        owner = null!;
        tokens = [];
    }

    private sealed class KeyComparer : IEqualityComparer<CacheKey>
    {
        public bool Equals(CacheKey? a, CacheKey? b) =>
            ReferenceEquals(a, b) || (a is not null && b is not null && a.hash == b.hash && ReferenceEquals(a.owner, b.owner)
                && a.tokens.AsSpan(0, a.length).SequenceEqual(b.tokens.AsSpan(0, b.length)));

        public int GetHashCode(CacheKey key) => key.hash;
    }
}
