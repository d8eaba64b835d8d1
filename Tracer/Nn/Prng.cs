namespace Tracer.Nn;

/// <summary>
/// A key of the counter-based generator (<see cref="Prng"/>): two 32-bit words, as in JAX. Keys are values: the
/// same key always gives the same numbers; derive fresh keys with <see cref="Prng.Split"/>, never reuse one.
/// </summary>
/// <remarks>
/// A key can be an argument of a jitted function: it is then a traced leaf (an i32[2] tensor of its two words),
/// not a static one, so a step that takes a new key each call is compiled once. Inside the trace the key is
/// symbolic (<see cref="IsTraced"/>): <see cref="Prng"/>'s functions compute with it in the graph and give the same
/// numbers as on the host; its words (<see cref="High"/>, <see cref="Low"/>) are only known when it is concrete.
/// </remarks>
public readonly struct PRNGKey : IEquatable<PRNGKey>
{
    private readonly uint high;
    private readonly uint low;
    private readonly Tensor? traced;   // the words as a symbolic i32[2] inside a trace; null for a concrete key

    /// <summary>The key with words <paramref name="High"/> and <paramref name="Low"/>.</summary>
    public PRNGKey(uint High, uint Low)
    {
        high = High;
        low = Low;
        traced = null;
    }

    private PRNGKey(Tensor traced)
    {
        high = low = 0;
        this.traced = traced;
    }

    /// <summary>
    /// The key whose words are <paramref name="data"/>, an i32[2] tensor (high word first, bits read as unsigned):
    /// concrete data gives a concrete key, a symbolic tensor (inside a trace) a traced one.
    /// </summary>
    public static PRNGKey FromData(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.DType != DType.Int32 || data.Shape.Rank != 1 || data.Shape[0] != 2)
            throw new ArgumentException($"PRNGKey.FromData: a key is an i32[2] tensor (its two 32-bit words), got {data.Type}", nameof(data));
        if (data.IsSymbolic) return new PRNGKey(data);
        var w = data.ToInt32Array();
        return new PRNGKey((uint)w[0], (uint)w[1]);
    }

    /// <summary>True inside a trace when the key is symbolic (an argument of a jitted function or derived from one).</summary>
    public bool IsTraced => traced is not null;

    /// <summary>The two words as an i32[2] tensor (symbolic for a traced key).</summary>
    public Tensor Data => traced ?? Tensor.FromArray(new[] { unchecked((int)high), unchecked((int)low) }, 2);

    /// <summary>The first word; only a concrete key has known words.</summary>
    public uint High => traced is null ? high : throw TracedWords();

    /// <summary>The second word; only a concrete key has known words.</summary>
    public uint Low => traced is null ? low : throw TracedWords();

    /// <summary>The two words.</summary>
    public void Deconstruct(out uint High, out uint Low)
    {
        High = this.High;
        Low = this.Low;
    }

    private static InvalidOperationException TracedWords() => new(
        "PRNGKey: this key is traced (an argument of a jitted function, or derived from one), so its words are not " +
        "known while tracing; use it with Prng's functions, which compute in the graph, or read High/Low outside the trace");

    /// <summary>Concrete keys are equal when their words are; a traced key equals only itself.</summary>
    public bool Equals(PRNGKey other) =>
        traced is null && other.traced is null ? high == other.high && low == other.low : ReferenceEquals(traced, other.traced);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PRNGKey k && Equals(k);

    /// <inheritdoc/>
    public override int GetHashCode() => traced is null ? HashCode.Combine(high, low) : traced.GetHashCode();

    /// <summary>Equality of keys.</summary>
    public static bool operator ==(PRNGKey a, PRNGKey b) => a.Equals(b);

    /// <summary>Inequality of keys.</summary>
    public static bool operator !=(PRNGKey a, PRNGKey b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => traced is null ? $"PRNGKey({high:x8}, {low:x8})" : "PRNGKey(<traced>)";
}

/// <summary>
/// A counter-based pseudo-random generator with JAX-style explicit keys. There is no hidden state: every draw is
/// a pure function of a key and a counter, so runs are reproducible and independent of call order or threads.
/// </summary>
/// <remarks>
/// The block function is Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2,
/// 3", SC 2011): key words k0, k1 and k2 = k0 ^ k1 ^ 0x1BD11BDA; five groups of four rounds
/// <c>x0 += x1; x1 = rotl(x1, R); x1 ^= x0</c> with rotations 13 15 26 6 / 17 29 16 24, each group followed by
/// key injection. On top of it, as JAX does: <see cref="Split"/>(key, n) hashes the counters 0..2n-1 (first half
/// as x0, second half as x1) and reads the 2n outputs as n keys; <see cref="Bits"/>(key, count) hashes
/// 0..count-1 the same way. Floats come from the top bits: float32 uniforms use 24 bits, float64 uniforms 53.
/// Normals use the Box-Muller transform in float64. With a concrete key the generator runs on the host and draws
/// are concrete tensors; with a traced key (an argument of a jitted function) the same Threefry rounds run in the
/// graph on i32 words (wrapping adds, xors, shifts), so uniform bits are bitwise equal to the host's.
/// </remarks>
public static partial class Prng
{
    private static readonly int[] Rotations = [13, 15, 26, 6, 17, 29, 16, 24];

    /// <summary>The key for <paramref name="seed"/> (high word = upper 32 bits, low word = lower 32 bits).</summary>
    public static PRNGKey PRNGKey(long seed) => new((uint)((ulong)seed >> 32), (uint)seed);

    /// <summary>Threefry-2x32 (20 rounds) of the counter (x0, x1) under <paramref name="key"/>.</summary>
    public static (uint, uint) Threefry2x32(PRNGKey key, uint x0, uint x1)
    {
        uint k0 = key.High, k1 = key.Low, k2 = k0 ^ k1 ^ 0x1BD11BDA;
        Span<uint> ks = [k0, k1, k2];
        x0 += ks[0];
        x1 += ks[1];
        for (int group = 0; group < 5; group++)
        {
            for (int r = 0; r < 4; r++)
            {
                x0 += x1;
                x1 = uint.RotateLeft(x1, Rotations[(group % 2) * 4 + r]);
                x1 ^= x0;
            }
            x0 += ks[(group + 1) % 3];
            x1 += ks[(group + 2) % 3] + (uint)(group + 1);
        }
        return (x0, x1);
    }

    /// <summary><paramref name="count"/> random 32-bit words from <paramref name="key"/>.</summary>
    public static uint[] Bits(PRNGKey key, int count)
    {
        if (key.IsTraced)
            throw new InvalidOperationException("Prng.Bits: the key is traced; use Prng.BitsTensor(key, count), which computes the words in the graph");
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int half = (count + 1) / 2;
        var words = new uint[2 * half];
        for (int i = 0; i < half; i++)
        {
            var (y0, y1) = Threefry2x32(key, (uint)i, (uint)(half + i));
            words[i] = y0;
            words[half + i] = y1;
        }
        return count == words.Length ? words : words[..count];
    }

    /// <summary><paramref name="count"/> new independent keys derived from <paramref name="key"/>.</summary>
    public static PRNGKey[] Split(PRNGKey key, int count = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (key.IsTraced) return TracedSplit(key, count);
        var w = Bits(key, 2 * count);
        var keys = new PRNGKey[count];
        for (int i = 0; i < count; i++) keys[i] = new PRNGKey(w[2 * i], w[2 * i + 1]);
        return keys;
    }

    /// <summary>A fresh key derived from <paramref name="key"/> and <paramref name="data"/> (e.g. a step or layer number).</summary>
    public static PRNGKey FoldIn(PRNGKey key, uint data)
    {
        if (key.IsTraced) return TracedFoldIn(key, Tensor.Scalar(unchecked((int)data)));
        var (a, b) = Threefry2x32(key, 0, data);
        return new PRNGKey(a, b);
    }

    /// <summary>Uniform numbers in [0, 1) of the given shape (float32).</summary>
    public static Tensor Uniform(PRNGKey key, params int[] shape) => Uniform(key, DType.Float32, 0, 1, shape);

    /// <summary>Uniform numbers in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(PRNGKey key, DType dtype, double low, double high, params int[] shape)
    {
        CheckFloat(dtype, "Uniform");
        if (key.IsTraced) return TracedUniform(key.Data, dtype, low, high, shape);
        int n = new Shape(shape).Size;
        var u = Uniforms(key, n, dtype == DType.Float64);
        for (int i = 0; i < n; i++) u[i] = low + (high - low) * u[i];
        return Make(u, dtype, shape);
    }

    /// <summary>Standard normal numbers of the given shape (float32).</summary>
    public static Tensor Normal(PRNGKey key, params int[] shape) => Normal(key, DType.Float32, 0, 1, shape);

    /// <summary>Normal numbers with the given mean and standard deviation.</summary>
    public static Tensor Normal(PRNGKey key, DType dtype, double mean, double std, params int[] shape)
    {
        CheckFloat(dtype, "Normal");
        if (key.IsTraced) return TracedNormal(key.Data, dtype, mean, std, shape);
        int n = new Shape(shape).Size;
        var u = Uniforms(key, n + (n & 1), wide: true);
        var z = new double[n];
        for (int i = 0; i < n; i += 2)
        {
            // Box-Muller: 1 - u is in (0, 1], so the logarithm is finite.
            double radius = Math.Sqrt(-2 * Math.Log(1 - u[i])), angle = 2 * Math.PI * u[i + 1];
            z[i] = mean + std * radius * Math.Cos(angle);
            if (i + 1 < n) z[i + 1] = mean + std * radius * Math.Sin(angle);
        }
        return Make(z, dtype, shape);
    }

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates driven by <see cref="Bits"/>).</summary>
    public static int[] Permutation(PRNGKey key, int n)
    {
        if (key.IsTraced)
            throw new InvalidOperationException("Prng.Permutation: the key is traced; a permutation is host data (an int[]): draw it outside the jitted function and pass the indices in as a tensor");
        var perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        var bits = Bits(key, Math.Max(n, 1));
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(((ulong)bits[i] * (ulong)(i + 1)) >> 32);   // in [0, i]; bias below (i+1)/2^32
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    /// <summary>Uniforms in [0, 1): 24 random bits each, or 53 when <paramref name="wide"/>.</summary>
    private static double[] Uniforms(PRNGKey key, int n, bool wide)
    {
        var u = new double[n];
        if (!wide)
        {
            var w = Bits(key, n);
            for (int i = 0; i < n; i++) u[i] = (w[i] >> 8) * (1.0 / (1 << 24));
            return u;
        }
        var b = Bits(key, 2 * n);
        for (int i = 0; i < n; i++)
        {
            ulong bits53 = ((ulong)b[2 * i] << 21) | (b[2 * i + 1] >> 11);
            u[i] = bits53 * (1.0 / (1UL << 53));
        }
        return u;
    }

    private static Tensor Make(double[] values, DType dtype, int[] shape) => dtype switch
    {
        DType.Float64 => Tensor.FromArray(values, shape),
        DType.Float32 => Tensor.FromArray(Array.ConvertAll(values, v => (float)v), shape),
        _ => throw new ArgumentException($"Prng: random floats need a float dtype, got {dtype}"),
    };
}
