using Tracer;
using Tracer.Nn;
using static Tracer.Ops;

namespace DigitsCnn;

// begin-snippet: digits-cnn-model
/// <summary>
/// 8x8 image -> conv 3x3 (16 channels) -> ReLU -> max-pool 2 -> conv 3x3 (32) -> ReLU -> max-pool 2 -> dense 128 -> 64
/// (ReLU) -> dropout -> dense 64 -> 10 logits. A record of tensors and layers is a parameter tree: Jit.Grad returns
/// one of the same shape, and the optimiser updates every tensor in it.
/// </summary>
public sealed record CnnModel(Tensor Conv1, Tensor Bias1, Tensor Conv2, Tensor Bias2, Dense Hidden, Dropout Dropout, Dense Output)
{
    public static CnnModel Create(PRNGKey key, double dropout)
    {
        var k = Prng.Split(key, 4);
        // He initialisation for ReLU: the fan-in of a convolution is channels x kernel taps.
        return new CnnModel(
            Init.Normal(k[0], Math.Sqrt(2.0 / 9), 16, 1, 3, 3), Tensor.Zeros(DType.Float32, 16),
            Init.Normal(k[1], Math.Sqrt(2.0 / (16 * 9)), 32, 16, 3, 3), Tensor.Zeros(DType.Float32, 32),
            Dense.Create(k[2], 32 * 2 * 2, 64, Activation.Relu), new Dropout(dropout), Dense.Create(k[3], 64, 10));
    }

    /// <summary>[n, 64] pixels -> [n, 128] features: two convolution blocks, each halving the image.</summary>
    public Tensor Features(Tensor pixels)
    {
        var x = Reshape(pixels, -1, 1, 8, 8);                                                    // [n, 1, 8, 8]
        x = MaxPool(Relu(Conv(x, Conv1, padding: [1, 1]) + Reshape(Bias1, 16, 1, 1)), [2, 2]);   // [n, 16, 4, 4]
        x = MaxPool(Relu(Conv(x, Conv2, padding: [1, 1]) + Reshape(Bias2, 32, 1, 1)), [2, 2]);   // [n, 32, 2, 2]
        return Reshape(x, x.Shape[0], 32 * 2 * 2);
    }

    /// <summary>Training mode: dropout with a keep-mask drawn outside the compiled step.</summary>
    public Tensor Logits(Tensor pixels, Tensor mask) => Output.Apply(Dropout.Apply(Hidden.Apply(Features(pixels)), mask));

    /// <summary>Test mode: no dropout.</summary>
    public Tensor Logits(Tensor pixels) => Output.Apply(Hidden.Apply(Features(pixels)));
}
// end-snippet
