using static Tracer.Ops;

namespace Tracer.Nn;

/// <summary>
/// A layer: a parameter tree (its tensors are the trainable leaves, its numbers and enums are static) with a
/// forward function. Layers are immutable records: an optimiser returns new ones, nothing is mutated or collected
/// behind the user's back.
/// </summary>
public interface ILayer
{
    /// <summary>The layer's output for <paramref name="x"/> (a batch along the first axis).</summary>
    Tensor Apply(Tensor x);
}

/// <summary>
/// Fully connected layer <c>y = activation(x W + b)</c> for row-major batches: x is <c>[batch, in]</c> (or
/// <c>[in]</c>), <see cref="Weight"/> is <c>[in, out]</c>, <see cref="Bias"/> is <c>[out]</c>.
/// </summary>
public sealed record Dense(Tensor Weight, Tensor Bias, Activation Activation = Activation.Identity) : ILayer
{
    /// <summary>Glorot-uniform weights (He-normal for ReLU-family activations) and a zero bias.</summary>
    public static Dense Create(PRNGKey key, int inputs, int outputs, Activation activation = Activation.Identity, DType dtype = DType.Float32)
    {
        var weight = activation is Activation.Relu or Activation.LeakyRelu
            ? Init.HeNormal(key, dtype, inputs, outputs)
            : Init.GlorotUniform(key, dtype, inputs, outputs);
        return new Dense(weight, Tensor.Zeros(dtype, outputs), activation);
    }

    /// <summary>activation(x W + b) for x of shape [batch, inputs].</summary>
    public Tensor Apply(Tensor x) => Activations.Apply(Activation, MatMul(x, Weight) + Bias);
}

/// <summary>
/// Two layers in sequence. Longer chains nest (<see cref="Chain.Of{A, B, C}"/> builds <c>Chain&lt;A, Chain&lt;B, C&gt;&gt;</c>),
/// so every member has a concrete type and the whole chain is a parameter tree.
/// </summary>
public sealed record Chain<TFirst, TSecond>(TFirst First, TSecond Second) : ILayer
    where TFirst : ILayer
    where TSecond : ILayer
{
    /// <summary>The second layer applied to the first one's output.</summary>
    public Tensor Apply(Tensor x) => Second.Apply(First.Apply(x));
}

/// <summary>Builds <see cref="Chain{TFirst, TSecond}"/>s.</summary>
public static class Chain
{
    /// <summary>The layers applied in order.</summary>
    public static Chain<A, B> Of<A, B>(A a, B b) where A : ILayer where B : ILayer => new(a, b);

    /// <summary>The layers applied in order (nested as a chain of chains).</summary>
    public static Chain<A, Chain<B, C>> Of<A, B, C>(A a, B b, C c) where A : ILayer where B : ILayer where C : ILayer =>
        new(a, new(b, c));

    /// <summary>The layers applied in order (nested as a chain of chains).</summary>
    public static Chain<A, Chain<B, Chain<C, D>>> Of<A, B, C, D>(A a, B b, C c, D d)
        where A : ILayer where B : ILayer where C : ILayer where D : ILayer =>
        new(a, new(b, new(c, d)));
}

/// <summary>A lookup table: row <c>i</c> of <see cref="Weight"/> (<c>[vocabulary, dim]</c>) for each int32 index.</summary>
public sealed record Embedding(Tensor Weight) : ILayer
{
    /// <summary>Standard-normal rows, as Flux and PyTorch initialise embeddings.</summary>
    public static Embedding Create(PRNGKey key, int vocabulary, int dimension, DType dtype = DType.Float32) =>
        new(Prng.Normal(key, dtype, 0, 1, vocabulary, dimension));

    /// <summary>Indices of any shape -> that shape ++ [dim].</summary>
    public Tensor Apply(Tensor indices)
    {
        if (indices.DType != DType.Int32) throw new ArgumentException($"Embedding: indices must be i32, got {indices.DType}");
        return Take(Weight, indices, 0);
    }
}

/// <summary>
/// Layer normalisation over the last axis (Ba et al. 2016): <c>(x - mean) / sqrt(var + epsilon) * Scale + Bias</c>,
/// with the biased variance, as PyTorch and Flux compute it.
/// </summary>
public sealed record LayerNorm(Tensor Scale, Tensor Bias, double Epsilon = 1e-5) : ILayer
{
    /// <summary>A layer norm over <paramref name="size"/> features with scale 1 and bias 0.</summary>
    public static LayerNorm Create(int size, DType dtype = DType.Float32, double epsilon = 1e-5) =>
        new(Tensor.Ones(dtype, size), Tensor.Zeros(dtype, size), epsilon);

    /// <summary>Normalises the last axis to zero mean and unit (biased) variance, then scales and shifts.</summary>
    public Tensor Apply(Tensor x)
    {
        var centred = x - Mean(x, -1, keepDims: true);
        var variance = Mean(Square(centred), -1, keepDims: true);
        return centred * Rsqrt(variance + Epsilon) * Scale + Bias;
    }
}

/// <summary>
/// Inverted dropout: in training, zero each element with probability <see cref="Rate"/> and scale the rest by
/// <c>1 / (1 - Rate)</c>; at test time the identity. The randomness is explicit: a key (which may be an argument of
/// a jitted training step: the mask is then drawn in the compiled graph, from the same bits as on the host), or a
/// mask made by <see cref="Mask"/> and passed in as data. Inside a <see cref="Chain{TFirst, TSecond}"/>,
/// <c>Apply(x)</c> is the test-mode identity.
/// </summary>
public sealed record Dropout(double Rate) : ILayer
{
    /// <summary>
    /// The scaled keep-mask for an input of <paramref name="shape"/>: 0 or <c>1 / (1 - Rate)</c>; an element is
    /// kept where its float64 uniform is at least <see cref="Rate"/>. A traced key draws it in the graph.
    /// </summary>
    public Tensor Mask(PRNGKey key, DType dtype, params int[] shape)
    {
        if (Rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Rate), Rate, "Dropout: the rate must be in [0, 1)");
        double keep = 1 / (1 - Rate);
        if (key.IsTraced) return GraphMask(key, dtype, shape);
        var u = Prng.Uniform(key, DType.Float64, 0, 1, shape).ToDoubleArray();
        var m = Array.ConvertAll(u, v => v >= Rate ? keep : 0.0);
        return dtype == DType.Float64 ? Tensor.FromArray(m, shape) : Tensor.FromArray(Array.ConvertAll(m, v => (float)v), shape);
    }

    /// <summary>
    /// Training-mode dropout with a fresh mask drawn from <paramref name="key"/>. A traced key (an argument of a
    /// jitted step) draws the mask in the graph; a concrete key draws it on the host (inside a trace it is then a
    /// constant of the graph: the same key always gives the same mask).
    /// </summary>
    public Tensor Apply(Tensor x, PRNGKey key)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x * Mask(key, x.DType, x.Shape.ToArray());
    }

    /// <summary>The mask from the graph form of the generator (the same uniforms as the host's).</summary>
    private Tensor GraphMask(PRNGKey key, DType dtype, int[] shape)
    {
        var u = Prng.Uniform(key, DType.Float64, 0, 1, shape);
        return Ops.Cast(Ops.Where(Ops.GreaterEqual(u, Rate), Tensor.Scalar(1 / (1 - Rate)), 0.0), dtype);
    }

    /// <summary>Training-mode dropout with a mask from <see cref="Mask"/>.</summary>
    public Tensor Apply(Tensor x, Tensor mask) => x * mask;

    /// <summary>Test mode: the identity.</summary>
    public Tensor Apply(Tensor x) => x;
}
