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

    /// <summary>
    /// Found by the random-program property (CsCheck seed 9b5qHrqBtUW1): the gradient of max over a sine was NaN.
    /// Fusion recomputes sin(c) in the max's kernel and in the comparison with the max in its pullback; one ran in a
    /// vector lane, the other in a scalar loop, the two sines differed in the last bit, no element equalled the max
    /// and the pullback divided 0 by 0. Every code path now computes a transcendental with the same bits.
    /// </summary>
    [TestMethod]
    public void MaxOverARecomputedSineKeepsItsGradient()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var rng = new Random(708884);
            var v = new double[8];
            for (int i = 0; i < v.Length; i++) v[i] = Math.Round(rng.NextDouble() * 3 - 1.5, 3) + 1e-4 * rng.NextDouble();
            var x = Cast(Tensor.FromArray(v, 4, 1, 2), dtype);
            Func<Tensor, Tensor> loss = a =>
            {
                var e = Reshape(Sin(Concat(2, a, Sin(a))), -1);
                return Sum(Sin(e * Max(e, 0, keepDims: true)));
            };
            var g = Jit.Grad(loss)(x).ToDoubleArray();
            var numeric = TestUtil.NumericGrad(t => loss(t).Item(), Cast(x, DType.Float64));
            TestUtil.AssertClose(numeric, g, dtype == DType.Float64 ? 1e-5 : 1e-3, 1e-5, $"max over a sine, {dtype}");
        }
    }

    /// <summary>ArgMax finds its index by comparing the input with the max: over a recomputed sine, it must find one.</summary>
    [TestMethod]
    public void ArgMaxOverASineFindsTheIndexCompiled()
    {
        var rng = new Random(5);
        var x = Tensor.FromArray(Enumerable.Range(0, 6 * 37).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray(), 6, 37);
        Func<Tensor, Tensor> f = a => ArgMax(Sin(a) * 1.5f, 1);
        var expected = new int[6];
        var v = x.ToFloatArray();
        for (int r = 0; r < 6; r++)
            for (int c = 1; c < 37; c++)
                if (MathF.Sin(v[r * 37 + c]) > MathF.Sin(v[r * 37 + expected[r]])) expected[r] = c;
        CollectionAssert.AreEqual(expected, Jit.Compile(f)(x).ToInt32Array());
        CollectionAssert.AreEqual(expected, f(x).ToInt32Array());
    }
}
