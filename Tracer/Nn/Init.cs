namespace Tracer.Nn;

/// <summary>
/// Weight initialisers driven by <see cref="Prng"/> keys. For a shape <c>[fanIn, fanOut]</c> (the layout of
/// <see cref="Dense.Weight"/>); for other ranks fanIn = product of all axes but the last, fanOut = the last axis.
/// </summary>
public static class Init
{
    /// <summary>Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010).</summary>
    public static Tensor GlorotUniform(PRNGKey key, params int[] shape) => GlorotUniform(key, DType.Float32, shape);

    /// <summary>Glorot (Xavier) uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)); the fans are the first two axes of <paramref name="shape"/>.</summary>
    public static Tensor GlorotUniform(PRNGKey key, DType dtype, params int[] shape)
    {
        var (fanIn, fanOut) = Fans(shape);
        double a = Math.Sqrt(6.0 / (fanIn + fanOut));
        return Prng.Uniform(key, dtype, -a, a, shape);
    }

    /// <summary>Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)).</summary>
    public static Tensor GlorotNormal(PRNGKey key, params int[] shape) => GlorotNormal(key, DType.Float32, shape);

    /// <summary>Glorot (Xavier) normal: N(0, 2 / (fanIn + fanOut)); the fans are the first two axes of <paramref name="shape"/>.</summary>
    public static Tensor GlorotNormal(PRNGKey key, DType dtype, params int[] shape)
    {
        var (fanIn, fanOut) = Fans(shape);
        return Prng.Normal(key, dtype, 0, Math.Sqrt(2.0 / (fanIn + fanOut)), shape);
    }

    /// <summary>He/Kaiming normal for ReLU layers: N(0, 2 / fanIn) (He et al. 2015).</summary>
    public static Tensor HeNormal(PRNGKey key, params int[] shape) => HeNormal(key, DType.Float32, shape);

    /// <summary>He (Kaiming) normal: N(0, 2 / fanIn); the fans are the first two axes of <paramref name="shape"/>.</summary>
    public static Tensor HeNormal(PRNGKey key, DType dtype, params int[] shape) =>
        Prng.Normal(key, dtype, 0, Math.Sqrt(2.0 / Fans(shape).FanIn), shape);

    /// <summary>He/Kaiming uniform: U(-a, a), a = sqrt(6 / fanIn).</summary>
    public static Tensor HeUniform(PRNGKey key, params int[] shape) => HeUniform(key, DType.Float32, shape);

    /// <summary>He (Kaiming) uniform: U(-a, a) with a = sqrt(6 / fanIn); the fans are the first two axes of <paramref name="shape"/>.</summary>
    public static Tensor HeUniform(PRNGKey key, DType dtype, params int[] shape)
    {
        double a = Math.Sqrt(6.0 / Fans(shape).FanIn);
        return Prng.Uniform(key, dtype, -a, a, shape);
    }

    /// <summary>N(0, std^2).</summary>
    public static Tensor Normal(PRNGKey key, double std, params int[] shape) => Prng.Normal(key, DType.Float32, 0, std, shape);

    /// <summary>U(low, high).</summary>
    public static Tensor Uniform(PRNGKey key, double low, double high, params int[] shape) => Prng.Uniform(key, DType.Float32, low, high, shape);

    /// <summary>The fans of a weight shape: rank 1 -> (n, n); otherwise (product of leading axes, last axis).</summary>
    public static (int FanIn, int FanOut) Fans(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0) throw new ArgumentException("Init: a weight needs at least one axis");
        if (shape.Length == 1) return (shape[0], shape[0]);
        int fanIn = 1;
        for (int i = 0; i < shape.Length - 1; i++) fanIn *= shape[i];
        return (fanIn, shape[^1]);
    }
}
