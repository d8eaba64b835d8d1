using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>Forward mode, VJP, Jacobian, Hessian and Vmap: against finite differences and loops, and composed.</summary>
[TestClass]
public class TransformTests
{
    private static Tensor Input(OpsGradientTests.Case c, int seed) => OpsGradientTests.MakeInput(c, DType.Float64, seed);

    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void JvpMatchesFiniteDifferences(OpsGradientTests.Case c)
    {
        var x = Input(c, 41);
        var t = TestUtil.Random(new Random(42), DType.Float64, -1, 1, c.Shape);
        var (value, tangent) = Jit.Jvp(c.F)(x, t);
        TestUtil.AssertClose(c.F(x).ToDoubleArray(), value.ToDoubleArray(), 1e-12, 1e-12, $"{c.Name}: value");
        double h = c.H;
        var up = c.F(x + t * h).ToDoubleArray();
        var down = c.F(x - t * h).ToDoubleArray();
        var numeric = new double[up.Length];
        for (int i = 0; i < up.Length; i++) numeric[i] = (up[i] - down[i]) / (2 * h);
        TestUtil.AssertClose(numeric, tangent.ToDoubleArray(), c.Tol, c.Tol, $"{c.Name}: tangent");
    }

    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void VmapMatchesALoop(OpsGradientTests.Case c)
    {
        const int Batch = 3;
        var examples = new Tensor[Batch];
        for (int b = 0; b < Batch; b++) examples[b] = Input(c, 50 + b);
        var stacked = Stack(0, examples);
        var batched = Jit.Vmap(c.F)(stacked);
        var looped = Stack(0, Array.ConvertAll(examples, e => c.F(e)));
        Assert.AreEqual(looped.Shape, batched.Shape, c.Name);
        TestUtil.AssertClose(looped.ToDoubleArray(), batched.ToDoubleArray(), 1e-12, 1e-12, $"{c.Name}: vmap");

        // The batch on another axis, and the results stacked on the last axis.
        if (c.Shape.Length > 0)
        {
            var moved = Stack(c.Shape.Length, examples);
            int outRank = looped.Shape.Rank - 1;
            var atEnd = Jit.Vmap(c.F, inAxis: c.Shape.Length, outAxis: outRank)(moved);
            var expected = Stack(outRank, Array.ConvertAll(examples, e => c.F(e)));
            TestUtil.AssertClose(expected.ToDoubleArray(), atEnd.ToDoubleArray(), 1e-12, 1e-12, $"{c.Name}: vmap axes");
        }
    }

    [TestMethod]
    public void VjpPullbackIsTheTransposedJacobian()
    {
        Func<Tensor, Tensor> f = x => Sin(x) * Sum(x);
        var x = Tensor.FromArray(new double[] { 0.1, 0.5, -0.7 }, 3);
        var (value, pullback) = Jit.Vjp(f)(x);
        TestUtil.AssertClose(f(x).ToDoubleArray(), value.ToDoubleArray(), 1e-12, 1e-12, "value");
        var ct = Tensor.FromArray(new double[] { 1, -2, 0.5 }, 3);
        var jac = Jit.Jacobian(f)(x);
        var expected = MatMul(ct, jac);
        TestUtil.AssertClose(expected.ToDoubleArray(), pullback(ct).ToDoubleArray(), 1e-12, 1e-12, "vjp");
    }

    /// <summary>Regression: the WhileLoop error advised Jit.Jacobian, which then threw the reverse-mode error.</summary>
    [TestMethod]
    public void JacobianGoesThroughAWhileLoopInForwardMode()
    {
        // Halve a 2-vector until its first entry drops below 1: at x = (5, 3) three halvings, J = I/8.
        Func<Tensor, Tensor> f = x => WhileLoop(s => Greater(Sum(Slice(s, [0], [1])), 1.0), s => s * 0.5, x);
        var jac = Jit.Jacobian(f)(Tensor.FromArray(new double[] { 5, 3 }, 2));
        CollectionAssert.AreEqual(new double[] { 0.125, 0, 0, 0.125 }, jac.ToDoubleArray());
    }

    [TestMethod]
    public void JacobianMatchesFiniteDifferencesInBothModes()
    {
        var x = TestUtil.Random(new Random(3), DType.Float64, -1, 1, 2, 3);
        // Output larger than input: forward mode. Smaller: reverse mode.
        Func<Tensor, Tensor> wide = t => Outer(Reshape(Tanh(t), 6), Tensor.FromArray(new double[] { 1, 2 }, 2));
        Func<Tensor, Tensor> narrow = t => Sum(Exp(t) * t, 0);
        foreach (var (name, f) in new[] { ("wide", wide), ("narrow", narrow) })
        {
            var jac = Jit.Jacobian(f)(x);
            var outShape = f(x).Shape;
            CollectionAssert.AreEqual(outShape.ToArray().Concat(x.Shape.ToArray()).ToArray(), jac.Shape.ToArray(), name);
            var expected = NumericJacobian(f, x);
            TestUtil.AssertClose(expected, jac.ToDoubleArray(), 1e-6, 1e-8, name);
        }
    }

    [TestMethod]
    public void HessianMatchesFiniteDifferencesOfTheGradient()
    {
        Func<Tensor, Tensor> f = t => Sum(Sin(t) * t * t) + LogSumExp(t);
        var x = Tensor.FromArray(new double[] { 0.3, -0.4, 1.2 }, 3);
        var hessian = Jit.Hessian(f)(x);
        Assert.AreEqual(new Shape(3, 3), hessian.Shape);
        var grad = Jit.Grad(f);
        TestUtil.AssertClose(NumericJacobian(grad, x), hessian.ToDoubleArray(), 1e-6, 1e-8, "hessian");
        var h = hessian.ToDoubleArray();
        Assert.AreEqual(h[1], h[3], 1e-12, "symmetric");
    }

    [TestMethod]
    public void PerExampleGradientsAsOneBatchedComputation()
    {
        var w = Tensor.FromArray(new double[] { 0.5, -1, 2 }, 3);
        var xs = TestUtil.Random(new Random(9), DType.Float64, -1, 1, 4, 3);
        var ys = Tensor.FromArray(new double[] { 1, 0, -1, 2 }, 4);
        var grad = Jit.Grad((Tensor p, Tensor x, Tensor y) => Square(Dot(x, p) - y));
        var perExample = Jit.Vmap((Tensor x, Tensor y, Tensor p) => grad(p, x, y), [0, 0, null])(xs, ys, w);
        Assert.AreEqual(new Shape(4, 3), perExample.Shape);
        for (int i = 0; i < 4; i++)
        {
            var xi = Reshape(Slice(xs, [i, 0], [i + 1, 3]), 3);
            var yi = Reshape(Slice(ys, [i], [i + 1]));
            var single = grad(w, xi, yi);
            TestUtil.AssertClose(single.ToDoubleArray(), Slice(perExample, [i, 0], [i + 1, 3]).ToDoubleArray(), 1e-12, 1e-12, $"example {i}");
        }
        // One batched graph: no per-example equations.
        var g = Jit.Trace(Jit.Vmap((Tensor x, Tensor y, Tensor p) => grad(p, x, y), [0, 0, null]), xs, ys, w);
        StringAssert.Contains(g.ToString(), "f64[4,3]");
    }

    [TestMethod]
    public void TransformsComposeInAnyOrder()
    {
        Func<Tensor, Tensor> f = t => Sum(Tanh(t) * Sin(t));
        var x = Tensor.FromArray(new double[] { 0.2, -0.9, 1.4 }, 3);
        var v = Tensor.FromArray(new double[] { 1, 0.5, -2 }, 3);
        var hv = MatMul(Jit.Hessian(f)(x), v).ToDoubleArray();

        // forward over reverse: Hessian-vector product
        var fwdOverRev = Jit.Jvp(Jit.Grad(f))(x, v).Tangent.ToDoubleArray();
        TestUtil.AssertClose(hv, fwdOverRev, 1e-10, 1e-12, "jvp(grad)");
        // reverse over forward
        var revOverFwd = Jit.Grad((Tensor t) => Jit.Jvp(f)(t, v).Tangent)(x).ToDoubleArray();
        TestUtil.AssertClose(hv, revOverFwd, 1e-10, 1e-12, "grad(jvp)");
        // reverse over reverse
        var revOverRev = Jit.Grad((Tensor t) => Sum(Jit.Grad(f)(t) * v))(x).ToDoubleArray();
        TestUtil.AssertClose(hv, revOverRev, 1e-10, 1e-12, "grad(grad)");
        // vmap of jvp over several tangents = Hessian rows
        var rows = Jit.Vmap((Tensor t, Tensor p) => Jit.Jvp(Jit.Grad(f))(p, t).Tangent, [0, null])(Tensor.FromArray(new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3), x);
        TestUtil.AssertClose(Jit.Hessian(f)(x).ToDoubleArray(), rows.ToDoubleArray(), 1e-10, 1e-12, "vmap(jvp(grad))");
        // compile of jacobian of vmap
        var jv = Jit.Compile(Jit.Jacobian(Jit.Vmap((Tensor t) => Sin(t) * 2.0)))(x).ToDoubleArray();
        TestUtil.AssertClose(Jit.Jacobian((Tensor t) => Sin(t) * 2.0)(x).ToDoubleArray(), jv, 1e-12, 1e-12, "jacobian(vmap)");
    }

    [TestMethod]
    public void CustomRulesWorkUnderJvpAndVmap()
    {
        var mySoftplus = Rule.Define("my_softplus", t => (Log1p(Exp(t)), dy => dy * Sigmoid(t)));
        var x = Tensor.FromArray(new double[] { -1, 0.5, 2 }, 3);
        var tangent = Tensor.FromArray(new double[] { 1, 2, 3 }, 3);
        var (_, jt) = Jit.Jvp(mySoftplus)(x, tangent);
        TestUtil.AssertClose((Sigmoid(x) * tangent).ToDoubleArray(), jt.ToDoubleArray(), 1e-12, 1e-12, "jvp of a custom rule");

        var batch = Tensor.FromArray(new double[] { -1, 0.5, 2, 3, -2, 0 }, 2, 3);
        TestUtil.AssertClose(Softplus(batch).ToDoubleArray(), Jit.Vmap(mySoftplus)(batch).ToDoubleArray(), 1e-12, 1e-12, "vmap");
        var perRowGrad = Jit.Vmap(Jit.Grad((Tensor r) => Sum(mySoftplus(r))))(batch);
        TestUtil.AssertClose(Sigmoid(batch).ToDoubleArray(), perRowGrad.ToDoubleArray(), 1e-12, 1e-12, "vmap(grad)");
        StringAssert.Contains(Jit.Trace(Jit.Vmap(mySoftplus), batch).ToString(), "name=my_softplus");
    }

    private static double[] NumericJacobian(Func<Tensor, Tensor> f, Tensor x)
    {
        const double h = 1e-6;
        var v = x.ToDoubleArray();
        int nOut = f(x).Shape.Size;
        var jac = new double[nOut * v.Length];
        for (int j = 0; j < v.Length; j++)
        {
            double keep = v[j];
            v[j] = keep + h;
            var up = f(Tensor.FromArray(v, x.Shape.ToArray())).ToDoubleArray();
            v[j] = keep - h;
            var down = f(Tensor.FromArray(v, x.Shape.ToArray())).ToDoubleArray();
            v[j] = keep;
            for (int i = 0; i < nOut; i++) jac[i * v.Length + j] = (up[i] - down[i]) / (2 * h);
        }
        return jac;
    }
}
