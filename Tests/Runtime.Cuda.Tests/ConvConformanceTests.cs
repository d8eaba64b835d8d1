using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The convolution family on the CUDA device under test against the CPU (tiny sizes: the emulator runs a thread per
/// element): conv and its transposes run on the host as on the CPU, the pools' fused loops on the device.
/// </summary>
[TestClass]
public class ConvConformanceTests
{
    private static Device Target => TestDevice.Backend.Device;

    [TestMethod]
    public void ConvolutionsAndPoolsMatchTheCpuForwardAndBackward()
    {
        var rng = new Random(17);
        Tensor Data(params int[] shape)
        {
            var v = new double[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < v.Length; i++) v[i] = 2 * rng.NextDouble() - 1;
            return Tensor.FromArray(v, shape);
        }
        var x = Data(1, 2, 5, 4);
        var w = Data(2, 1, 2, 2);
        Func<Tensor, Tensor, Tensor> f = (a, b) =>
            MaxPool(Tanh(Conv(a, b, padding: [1, 0], groups: 2)), [2, 2], [1, 1]) + Mean(AvgPool(ConvTranspose(a, b, [2, 1], groups: 2), [2, 2]));
        var compile = Jit.Compile(f);
        TestUtil.AssertClose(compile(x, w).ToDoubleArray(), compile(x.To(Target), w.To(Target)).ToDoubleArray(), 1e-10, 1e-10, "value");
        var grad = Jit.Grad((Tensor b, Tensor a) => Sum(f(a, b)));
        var g = grad(w.To(Target), x.To(Target));
        Assert.AreEqual(Target, g.Device);
        TestUtil.AssertClose(grad(w, x).ToDoubleArray(), g.ToDoubleArray(), 1e-9, 1e-9, "gradient with respect to the weights");
    }
}
