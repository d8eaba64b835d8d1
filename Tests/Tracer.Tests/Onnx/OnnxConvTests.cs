using Tracer.Nn;
using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

/// <summary>Onnx.Export of the convolution family: ONNX Conv/ConvTranspose (and pools through slices) in ONNX Runtime.</summary>
[TestClass]
public class OnnxConvTests
{
    [TestMethod]
    public void ConvolutionsAndPoolsRunInOnnxRuntime()
    {
        var keys = Prng.Split(Prng.PRNGKey(5), 4);
        var w1 = Init.Normal(keys[0], 0.3, 4, 1, 3, 3);
        var w2 = Init.Normal(keys[1], 0.3, 4, 2, 2, 2);
        var wt = Init.Normal(keys[2], 0.3, 4, 3, 3, 3);
        var x = Prng.Uniform(keys[3], 2, 1, 9, 9);
        Func<Tensor, Tensor> net = input =>
        {
            var h = Relu(Conv(input, w1, strides: [2, 1], padding: [1, 1]));          // [2, 4, 5, 9]
            h = MaxPool(h, [3, 3], [1, 2], [1, 1]) + AvgPool(h, [3, 3], [1, 2], [1, 1]);   // [2, 4, 5, 5]
            h = Conv(h, w2, dilation: [2, 1], groups: 2);                                // [2, 4, 3, 4]
            return ConvTranspose(h, wt, [2, 2], [1, 0], [1, 0]);                         // [2, 3, 6, 9]
        };
        string file = TempFile("conv.onnx");
        Tracer.Onnx.Export(net, file, x);
        var outputs = Run(file, ("input", x));
        Assert.HasCount(1, outputs);
        AssertClose(net(x), outputs[0], 1e-5, "conv net");
    }

    [TestMethod]
    public void TheWeightGradientHasNoOnnxEquivalent()
    {
        var x = Tensor.Zeros(DType.Float32, 1, 2, 5);
        Func<Tensor, Tensor> grad = w => Jit.Grad((Tensor v) => Sum(Conv(x, v)))(w);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => Tracer.Onnx.Export(grad, TempFile("conv-grad.onnx"), Tensor.Zeros(DType.Float32, 3, 2, 2)));
        StringAssert.Contains(ex.Message, "conv_weight_grad");
    }
}
