using System.Collections.Concurrent;

namespace Tracer;

/// <summary>
/// Accumulates the cache key of a call: tree structure, leaf dtypes, shapes and devices, and the values of static
/// (non-tensor) leaves, as a flat sequence of 64-bit tokens with a running hash.
/// </summary>
internal sealed class SignatureWriter
{
    private static readonly ConcurrentDictionary<object, long> Interned = new();
    private static long lastId;
    private long[] tokens = new long[64];

    public int Count { get; private set; }

    public int Hash { get; private set; }

    public ReadOnlySpan<long> Tokens => tokens.AsSpan(0, Count);

    /// <summary>The token buffer itself (the first <see cref="Count"/> are this signature's): for a cache probe.</summary>
    public long[] Buffer => tokens;

    public void Reset()
    {
        Count = 0;
        Hash = 17;
        Scalars = null;
        StaticScalars = null;
    }

    /// <summary>
    /// When set, finite double and float leaves are traced: their values are collected here (in flattening order)
    /// and only their type and which earlier one they equal go into the key (see <see cref="TracedScalars"/>).
    /// </summary>
    public List<ScalarLeaf>? Scalars { get; set; }

    /// <summary>Positions (among the number leaves) that the called function keeps static; null: none.</summary>
    public HashSet<int>? StaticScalars { get; set; }

    public void Write(long token)
    {
        if (Count == tokens.Length) Array.Resize(ref tokens, tokens.Length * 2);
        tokens[Count++] = token;
        Hash = unchecked((Hash * 31) ^ (int)token ^ (int)(token >> 32));
    }

    public void WriteTensor(Tensor t)
    {
        Write(TokenKind.Tensor | (long)t.DType << 8 | (long)t.Shape.Rank << 16);
        foreach (int d in t.Shape.Dims) Write(d);
        var device = t.Device;
        Write(ReferenceEquals(device, Device.Cpu) ? CpuToken : Intern(device));
    }

    // The common device's token, without a dictionary lookup per call.
    private static readonly long CpuToken = Intern(Device.Cpu);

    /// <summary>A stable number for an object compared by value (strings, types, devices): equal objects, equal ids.</summary>
    public static long Intern(object value) => Interned.GetOrAdd(value, static _ => Interlocked.Increment(ref lastId));

    public long[] Snapshot() => Tokens.ToArray();
}

/// <summary>Token kinds (low byte of a structural token).</summary>
internal static class TokenKind
{
    public const long Tensor = 1;
    public const long Sequence = 2;
    public const long Static = 3;
    public const long Node = 4;
    public const long Null = 5;
    public const long TracedScalar = 6;
}
