using static Tracer.Ops;

namespace Tracer.Nn;

/// <summary>
/// The generator written with tensor operations, for keys that are traced: the same Threefry-2x32 rounds on i32
/// words (adds wrap, rotations are two shifts and an or), the same counters and the same bits-to-float transforms
/// as the host code, so a compiled draw equals the host's (bitwise for uniforms; normals go through log, sqrt,
/// sin and cos, which the compiled code may round differently in the last place). These functions also run
/// eagerly on a concrete key's words, which is how tests compare the three ways.
/// </summary>
public static partial class Prng
{
    /// <summary>
    /// <paramref name="count"/> random 32-bit words from <paramref name="key"/> as an i32 tensor (the bits of
    /// <see cref="Bits"/>, read as signed); works with traced keys.
    /// </summary>
    public static Tensor BitsTensor(PRNGKey key, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return BitsOf(key.Data, count);
    }

    /// <summary>
    /// Booleans that are true with probability <paramref name="p"/>: a float32 uniform below p, as JAX's
    /// <c>bernoulli</c> draws them. Works with concrete and traced keys alike.
    /// </summary>
    public static Tensor Bernoulli(PRNGKey key, double p, params int[] shape)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "Prng.Bernoulli: the probability must be in [0, 1]");
        return Less(Uniform(key, DType.Float32, 0, 1, shape), p);
    }

    /// <summary>A fresh key derived from <paramref name="key"/> and an i32 scalar (e.g. a traced step counter).</summary>
    public static PRNGKey FoldIn(PRNGKey key, Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.DType != DType.Int32 || data.Shape.Size != 1)
            throw new ArgumentException($"Prng.FoldIn: the data must be one i32 value, got {data.Type}", nameof(data));
        if (!key.IsTraced && !data.IsSymbolic) return FoldIn(key, unchecked((uint)data.ToInt32Array()[0]));
        return TracedFoldIn(key, data);
    }

    private static void CheckFloat(DType dtype, string name)
    {
        if (!dtype.IsFloat()) throw new ArgumentException($"Prng.{name}: random floats need a float dtype (f32 or f64), got {dtype.ShortName()}", nameof(dtype));
    }

    // ---- Threefry on tensors --------------------------------------------------------------------------------

    /// <summary>Threefry-2x32 (20 rounds) of the counters (x0, x1), i32 tensors of one shape, under key words [2].</summary>
    internal static (Tensor, Tensor) Threefry2x32(Tensor key, Tensor x0, Tensor x1)
    {
        var k0 = Reshape(Slice(key, [0], [1]));
        var k1 = Reshape(Slice(key, [1], [2]));
        var k2 = BitwiseXor(BitwiseXor(k0, k1), 0x1BD11BDA);
        Tensor[] ks = [k0, k1, k2];
        x0 += k0;
        x1 += k1;
        for (int group = 0; group < 5; group++)
        {
            for (int r = 0; r < 4; r++)
            {
                x0 += x1;
                x1 = RotateLeft(x1, Rotations[(group % 2) * 4 + r]);
                x1 = BitwiseXor(x1, x0);
            }
            x0 += ks[(group + 1) % 3];
            x1 += ks[(group + 2) % 3] + (group + 1);
        }
        return (x0, x1);
    }

    private static Tensor RotateLeft(Tensor x, int bits) => BitwiseOr(ShiftLeft(x, bits), ShiftRightLogical(x, 32 - bits));

    /// <summary>As <see cref="Bits"/>: counters 0..half-1 as x0 and half..2half-1 as x1, outputs y0s then y1s.</summary>
    internal static Tensor BitsOf(Tensor key, int count)
    {
        int half = (count + 1) / 2;
        var c0 = new int[half];
        var c1 = new int[half];
        for (int i = 0; i < half; i++)
        {
            c0[i] = i;
            c1[i] = half + i;
        }
        var (y0, y1) = Threefry2x32(key, Tensor.FromArray(c0, half), Tensor.FromArray(c1, half));
        var words = Concat(0, y0, y1);
        return count == 2 * half ? words : Slice(words, [0], [count]);
    }

    private static PRNGKey[] TracedSplit(PRNGKey key, int count)
    {
        var words = Reshape(BitsOf(key.Data, 2 * count), count, 2);
        var keys = new PRNGKey[count];
        for (int i = 0; i < count; i++) keys[i] = global::Tracer.Nn.PRNGKey.FromData(Reshape(Slice(words, [i, 0], [i + 1, 2]), 2));
        return keys;
    }

    private static PRNGKey TracedFoldIn(PRNGKey key, Tensor data)
    {
        var (a, b) = Threefry2x32(key.Data, Tensor.FromArray(new[] { 0 }, 1), Reshape(data, 1));
        return global::Tracer.Nn.PRNGKey.FromData(Concat(0, a, b));
    }

    /// <summary>
    /// Uniforms in [0, 1) as f64, exactly as the host computes them: 24 bits per number (the top bits of one word)
    /// or, when <paramref name="wide"/>, 53 bits from two words: hi * 2^-32 + (lo >>> 11) * 2^-53, every step exact.
    /// </summary>
    private static Tensor UniformsOf(Tensor key, int n, bool wide)
    {
        if (!wide) return Cast(ShiftRightLogical(BitsOf(key, n), 8), DType.Float64) * (1.0 / (1 << 24));
        var pairs = Reshape(BitsOf(key, 2 * n), n, 2);
        var hi = Reshape(Slice(pairs, [0, 0], [n, 1]), n);
        var lo = Reshape(Slice(pairs, [0, 1], [n, 2]), n);
        // The high word as unsigned: (hi >>> 1) * 2 + (hi & 1) is exact in f64, where a plain cast would be signed.
        var hiUnsigned = Cast(ShiftRightLogical(hi, 1), DType.Float64) * 2.0 + Cast(BitwiseAnd(hi, 1), DType.Float64);
        return hiUnsigned * (1.0 / 4294967296.0) + Cast(ShiftRightLogical(lo, 11), DType.Float64) * (1.0 / (1UL << 53));
    }

    private static Tensor TracedUniform(Tensor key, DType dtype, double low, double high, int[] shape)
    {
        int n = new Shape(shape).Size;
        var u = UniformsOf(key, n, dtype == DType.Float64);
        return Reshape(Cast(u * (high - low) + low, dtype), shape);
    }

    /// <summary>Box-Muller on pairs of 53-bit uniforms, in the host's order of operations.</summary>
    private static Tensor TracedNormal(Tensor key, DType dtype, double mean, double std, int[] shape)
    {
        int n = new Shape(shape).Size, m = n + (n & 1);
        if (m == 0) return Tensor.Zeros(dtype, shape);
        var pairs = Reshape(UniformsOf(key, m, wide: true), m / 2, 2);
        var u0 = Reshape(Slice(pairs, [0, 0], [m / 2, 1]), m / 2);
        var u1 = Reshape(Slice(pairs, [0, 1], [m / 2, 2]), m / 2);
        var radius = Sqrt(Log(1.0 - u0) * -2.0);
        var angle = u1 * (2 * Math.PI);
        var scaled = radius * std;
        var z = Reshape(Stack(1, scaled * Cos(angle) + mean, scaled * Sin(angle) + mean), m);
        if (m != n) z = Slice(z, [0], [n]);
        return Reshape(Cast(z, dtype), shape);
    }
}
