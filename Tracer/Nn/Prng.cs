namespace Tracer.Nn;

/// <summary>
/// A key of the counter-based generator (<see cref="Prng"/>): two 32-bit words, as in JAX. Keys are values: the
/// same key always gives the same numbers; derive fresh keys with <see cref="Prng.Split"/>, never reuse one.
/// </summary>
public readonly record struct PRNGKey(uint High, uint Low)
{
    /// <inheritdoc/>
    public override string ToString() => $"PRNGKey({High:x8}, {Low:x8})";
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
/// Normals use the Box-Muller transform in float64. The generator runs on the host; draws are concrete tensors
/// (inside a traced function pass them in as data, e.g. a dropout mask, so the graph does not bake one in).
/// </remarks>
public static class Prng
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
        var w = Bits(key, 2 * count);
        var keys = new PRNGKey[count];
        for (int i = 0; i < count; i++) keys[i] = new PRNGKey(w[2 * i], w[2 * i + 1]);
        return keys;
    }

    /// <summary>A fresh key derived from <paramref name="key"/> and <paramref name="data"/> (e.g. a step or layer number).</summary>
    public static PRNGKey FoldIn(PRNGKey key, uint data)
    {
        var (a, b) = Threefry2x32(key, 0, data);
        return new PRNGKey(a, b);
    }

    /// <summary>Uniform numbers in [0, 1) of the given shape (float32).</summary>
    public static Tensor Uniform(PRNGKey key, params int[] shape) => Uniform(key, DType.Float32, 0, 1, shape);

    /// <summary>Uniform numbers in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(PRNGKey key, DType dtype, double low, double high, params int[] shape)
    {
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
