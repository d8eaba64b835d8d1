using Tracer.Nn;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>Regression tests for derivatives at special points, compiled and eager, against JAX's and PyTorch's values.</summary>
[TestClass]
public class GradientRegressionTests
{
    private static readonly Tensor AroundZero = Tensor.FromArray(new float[] { -1, 0, 2, float.NaN }, 4);

    [TestMethod]
    public void PowWithExponentZeroHasGradientZeroAtZero()
    {
        var x = Tensor.FromArray(new float[] { 0, 0.5f, -2 }, 3);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, Jit.Grad((Tensor v) => Sum(Pow(v, 0.0)))(x).ToFloatArray());
        // The second derivative too (the select is differentiated again).
        var second = Jit.Grad((Tensor v) => Sum(Jit.Grad((Tensor u) => Sum(Pow(u, 0.0)))(v)))(x);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, second.ToFloatArray());
        // Exponent 1 at 0 is still 1, exponent 2 at 0 still 0.
        Assert.AreEqual(1f, Jit.Grad((Tensor v) => Sum(Pow(v, 1.0)))(Tensor.Scalar(0f)).ToFloatArray()[0]);
        Assert.AreEqual(0f, Jit.Grad((Tensor v) => Sum(Pow(v, 2.0)))(Tensor.Scalar(0f)).ToFloatArray()[0]);
    }

    [TestMethod]
    public void ReluHasDerivativeZeroAtZeroAndKeepsNaN()
    {
        var g = Jit.Grad((Tensor v) => Sum(Relu(v)))(AroundZero).ToFloatArray();
        CollectionAssert.AreEqual(new float[] { 0, 0, 1 }, g[..3]);
        var y = Relu(AroundZero).ToFloatArray();
        CollectionAssert.AreEqual(new float[] { 0, 0, 2, float.NaN }, y);
        CollectionAssert.AreEqual(y, Jit.Compile((Tensor v) => Relu(v))(AroundZero).ToFloatArray());
    }

    [TestMethod]
    public void LeakyReluHasDerivativeOneAtZero()
    {
        var g = Jit.Grad((Tensor v) => Sum(Activations.LeakyRelu(v, 0.1)))(AroundZero).ToFloatArray();
        CollectionAssert.AreEqual(new float[] { 0.1f, 1, 1 }, g[..3]);
        CollectionAssert.AreEqual(new float[] { -0.1f, 0, 2, float.NaN }, Activations.LeakyRelu(AroundZero, 0.1).ToFloatArray());
    }
}
