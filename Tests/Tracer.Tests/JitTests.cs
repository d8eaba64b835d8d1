using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class JitTests
{
    private static readonly Func<Tensor, Tensor> F = x => Sum(Tanh(x) * Sin(x) + x * x);

    private static double[] AnalyticGrad(float[] x) => Array.ConvertAll(x, v =>
    {
        double t = Math.Tanh(v);
        return (1 - t * t) * Math.Sin(v) + t * Math.Cos(v) + 2 * v;
    });

    [TestMethod]
    public void GradOfTheReadmeFunctionIsAnalytic()
    {
        var x = Tensor.FromArray(new float[] { -1.5f, -0.2f, 0.3f, 2f }, 4);
        var g = Jit.Grad(F)(x);
        Assert.AreEqual(DType.Float32, g.DType);
        TestUtil.AssertClose(AnalyticGrad(x.ToFloatArray()), g.ToDoubleArray(), 1e-5, 1e-6, "grad");
    }

    [TestMethod]
    public void ValueAndGradReturnsBoth()
    {
        var x = Tensor.FromArray(new double[] { 0.5, -1, 2 }, 3);
        var (value, grad) = Jit.ValueAndGrad(F)(x);
        Assert.AreEqual(F(x).Item(), value.Item(), 1e-12);
        TestUtil.AssertClose(Jit.Grad(F)(x).ToDoubleArray(), grad.ToDoubleArray(), 1e-12, 1e-12, "grad");
    }

    [TestMethod]
    public void CompileMatchesEagerAndReturnsTrees()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Func<Tensor, Tensor[]> f = t => [Sum(t, 0), Exp(t) * 2.0];
        var outs = Jit.Compile(f)(x);
        Assert.AreEqual(2, outs.Length);
        CollectionAssert.AreEqual(new float[] { 5, 7, 9 }, outs[0].ToFloatArray());
        TestUtil.AssertClose(Array.ConvertAll(x.ToFloatArray(), v => 2 * Math.Exp(v)), outs[1].ToDoubleArray(), 1e-6, 0, "exp");
    }

    [TestMethod]
    public void GradWithDataArgumentsDifferentiatesTheFirstOnly()
    {
        var w = Tensor.FromArray(new double[] { 0.5, -0.25 }, 2);
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        var y = Tensor.FromArray(new double[] { 1, 0, 1 }, 3);
        Func<Tensor, Tensor, Tensor, Tensor> loss = (p, a, b) => Mean(Square(MatMul(a, p) - b));
        var g = Jit.Grad(loss)(w, x, y);
        // d/dw mean((Xw - y)^2) = 2/n X^T (Xw - y)
        var r = MatMul(x, w) - y;
        var expected = MatMul(Transpose(x), r) * (2.0 / 3);
        TestUtil.AssertClose(expected.ToDoubleArray(), g.ToDoubleArray(), 1e-12, 1e-12, "grad");

        Func<Tensor, Tensor, Tensor, Tensor, Tensor> four = (p, a, b, s) => Sum(MatMul(a, p) * b * s);
        var g4 = Jit.Grad(four)(w, x, y, Tensor.Scalar(2.0));
        TestUtil.AssertClose(MatMul(Transpose(x), y * 2.0).ToDoubleArray(), g4.ToDoubleArray(), 1e-12, 1e-12, "four args");
    }

    [TestMethod]
    public void GradOfAnArrayOfTensorsHasTheSameStructure()
    {
        Tensor[] p = [Tensor.FromArray(new double[] { 1, 2 }, 2), Tensor.Scalar(3.0)];
        var g = Jit.Grad((Tensor[] q) => Sum(q[0] * q[0]) * q[1])(p);
        Assert.AreEqual(2, g.Length);
        CollectionAssert.AreEqual(new double[] { 6, 12 }, g[0].ToDoubleArray());
        Assert.AreEqual(5.0, g[1].Item(), 1e-12);
    }

    [TestMethod]
    public void SecondDerivativeByNestingGrad()
    {
        // f(x) = x^3 summed: f'' = 6x per element when differentiating the sum of f'.
        Func<Tensor, Tensor> f = x => Sum(x * x * x);
        var df = Jit.Grad(f);
        var d2 = Jit.Grad((Tensor x) => Sum(df(x)));
        var x = Tensor.FromArray(new double[] { 1, -2, 0.5 }, 3);
        CollectionAssert.AreEqual(new double[] { 6, -12, 3 }, d2(x).ToDoubleArray());

        // Grad(Grad(g)) for a scalar function, as in JAX.
        Func<Tensor, Tensor> g = t => Sin(t) * t;
        var gpp = Jit.Grad(Jit.Grad(g))(Tensor.Scalar(0.7));
        Assert.AreEqual(2 * Math.Cos(0.7) - 0.7 * Math.Sin(0.7), gpp.Item(), 1e-12);
    }

    [TestMethod]
    public void CompileOfGradAndTraceOfGradCompose()
    {
        var x = Tensor.FromArray(new float[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f }, 8);
        var viaCompile = Jit.Compile(Jit.Grad(F))(x);
        TestUtil.AssertClose(AnalyticGrad(x.ToFloatArray()), viaCompile.ToDoubleArray(), 1e-5, 1e-6, "compile(grad)");

        var graph = Jit.Trace(Jit.Grad(F), x);
        string text = graph.ToString();
        StringAssert.Contains(text, "{ lambda a:f32[8] .");
        StringAssert.Contains(text, "cos");     // the derivative of sin appears: the graph is the differentiated one
        StringAssert.Contains(text, "tanh");
        Assert.AreEqual(1, graph.Outputs.Count);
        Assert.AreEqual("f32[8]", graph.Outputs[0].Type.ToString());
    }

    [TestMethod]
    public void NestedGradClosingOverTheOuterVariable()
    {
        // d/dx [ d/dy (x*y^2) at y = x ] = d/dx (2 x y)|y=x = d/dx 2x^2 = 4x: closures over outer tracers work.
        Func<Tensor, Tensor> outer = x => Sum(Jit.Grad((Tensor y) => Sum(x * y * y))(x));
        var g = Jit.Grad(outer)(Tensor.FromArray(new double[] { 1.5, -2 }, 2));
        CollectionAssert.AreEqual(new double[] { 6, -8 }, g.ToDoubleArray());
    }

    [TestMethod]
    public void ConstantsCapturedByTheFunctionAreBakedIn()
    {
        var w = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var g = Jit.Grad((Tensor x) => Sum(x * w))(Tensor.Zeros(DType.Float32, 3));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, g.ToFloatArray());
    }

    [TestMethod]
    public void GradOfAFunctionThatIgnoresItsInputIsZero()
    {
        var g = Jit.Grad((Tensor x) => Sum(Tensor.Ones(DType.Float32, 2)))(Tensor.FromArray(new float[] { 1, 2 }, 2));
        CollectionAssert.AreEqual(new float[] { 0, 0 }, g.ToFloatArray());
    }

    [TestMethod]
    public void TwentyThousandOpChainTracesDifferentiatesAndCompiles()
    {
        Func<Tensor, Tensor> chain = x =>
        {
            var y = x;
            for (int i = 0; i < 20_000; i++) y = (i % 2 == 0) ? y * 0.9999 : y + 0.0001;
            return Sum(y);
        };
        var g = Jit.Grad(chain)(Tensor.FromArray(new double[] { 1, 2 }, 2));
        double expected = Math.Pow(0.9999, 10_000);
        TestUtil.AssertClose([expected, expected], g.ToDoubleArray(), 1e-9, 0, "chain");
    }
}
