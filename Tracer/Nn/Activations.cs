using static Tracer.Ops;

namespace Tracer.Nn;

/// <summary>Activation functions a <see cref="Dense"/> layer can apply; a static leaf of the layer's tree.</summary>
public enum Activation
{
    /// <summary>No activation: f(x) = x.</summary>
    Identity,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
    /// <summary>The logistic sigmoid.</summary>
    Sigmoid,
    /// <summary>log(1 + exp(x)).</summary>
    Softplus,
    /// <summary>The Gaussian error linear unit (tanh approximation).</summary>
    Gelu,
    /// <summary>x for x &gt; 0, else 0.01 x.</summary>
    LeakyRelu,
    /// <summary>x * sigmoid(x).</summary>
    Swish,
}

/// <summary>Activation functions, written in terms of <see cref="Ops"/> so they trace and differentiate.</summary>
public static class Activations
{
    /// <summary>Applies <paramref name="activation"/> elementwise.</summary>
    public static Tensor Apply(Activation activation, Tensor x) => activation switch
    {
        Activation.Identity => x,
        Activation.Relu => Relu(x),
        Activation.Tanh => Tanh(x),
        Activation.Sigmoid => Sigmoid(x),
        Activation.Softplus => Softplus(x),
        Activation.Gelu => Gelu(x),
        Activation.LeakyRelu => LeakyRelu(x),
        Activation.Swish => Swish(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>GELU, tanh approximation: <c>0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))</c>.</summary>
    public static Tensor Gelu(Tensor x) => 0.5 * x * (1.0 + Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>
    /// <c>x</c> for inputs &gt;= 0, <c>slope * x</c> otherwise; the derivative at 0 is 1, as JAX's <c>leaky_relu</c>
    /// (a Maximum would split the tie).
    /// </summary>
    public static Tensor LeakyRelu(Tensor x, double slope = 0.01) => Where(GreaterEqual(x, 0.0), x, x * slope);

    /// <summary>Swish / SiLU: <c>x * sigmoid(x)</c>.</summary>
    public static Tensor Swish(Tensor x) => x * Sigmoid(x);
}
