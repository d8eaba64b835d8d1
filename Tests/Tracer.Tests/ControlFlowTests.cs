using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class ControlFlowTests
{
    /// <summary>A damped oscillator stepped with explicit Euler; the parameter w (stiffness, damping) is closed over.</summary>
    private static Tensor Simulate(Tensor w, int steps)
    {
        var init = Tensor.FromArray(new double[] { 1, 0 }, 2);
        var (final, trajectory) = Scan((Tensor s, Tensor t) =>
        {
            var pos = Slice(s, [0], [1]);
            var vel = Slice(s, [1], [2]);
            var acc = -Slice(w, [0], [1]) * pos - Slice(w, [1], [2]) * vel;
            var next = Concat(0, pos + vel * 0.05, vel + acc * 0.05);
            return (next, Sum(pos) * t);
        }, init, Tensor.Full(DType.Float64, 1, steps));
        return Sum(final * final) + Sum(trajectory) * 0.01;
    }

    [TestMethod]
    public void ScanMatchesEagerAndDifferentiatesThroughClosures()
    {
        var w = Tensor.FromArray(new double[] { 2.0, 0.3 }, 2);
        double eager = Simulate(w, 40).Item();
        Func<Tensor, Tensor> loss = p => Simulate(p, 40);
        Assert.AreEqual(eager, Jit.Compile(loss)(w).Item(), 1e-12);
        var grad = Jit.Grad(loss)(w);
        TestUtil.AssertClose(TestUtil.NumericGrad(p => loss(p).Item(), w), grad.ToDoubleArray(), 1e-6, 1e-8, "scan gradient");
        var hessian = Jit.Hessian(loss)(w);
        TestUtil.AssertClose(TestUtil.NumericGrad(p => Sum(Jit.Grad(loss)(p) * Tensor.FromArray(new double[] { 1, 0 }, 2)).Item(), w),
            Slice(hessian, [0, 0], [1, 2]).ToDoubleArray(), 1e-5, 1e-7, "second order through scan");
        var (_, tangent) = Jit.Jvp(loss)(w, Tensor.FromArray(new double[] { 1, -1 }, 2));
        Assert.AreEqual(grad.ToDoubleArray()[0] - grad.ToDoubleArray()[1], tangent.Item(), 1e-9);
    }

    [TestMethod]
    public void ScanStacksOutputsAndRunsReversed()
    {
        var xs = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 4);
        Func<Tensor, (Tensor, Tensor)> cumsum = x => Scan((Tensor c, Tensor v) => (c + v, c + v), Tensor.Scalar(0f), x);
        var (total, partial) = Jit.Compile(cumsum)(xs);
        Assert.AreEqual(10.0, total.Item());
        CollectionAssert.AreEqual(new float[] { 1, 3, 6, 10 }, partial.ToFloatArray());
        var (_, reversed) = Scan((Tensor c, Tensor v) => (c + v, c + v), Tensor.Scalar(0f), xs, reverse: true);
        CollectionAssert.AreEqual(new float[] { 10, 9, 7, 4 }, reversed.ToFloatArray());
        var (_, reversedCompiled) = Jit.Compile((Tensor x) => Scan((Tensor c, Tensor v) => (c + v, c + v), Tensor.Scalar(0f), x, reverse: true))(xs);
        CollectionAssert.AreEqual(new float[] { 10, 9, 7, 4 }, reversedCompiled.ToFloatArray());
    }

    [TestMethod]
    public void EagerScanOverZeroStepsMatchesCompiled()
    {
        // Regression: eager Scan over 0-length xs indexed the first step's outputs (IndexOutOfRangeException).
        Func<Tensor, Tensor, (Tensor, (Tensor, Tensor))> f = (init, xs) =>
            Scan((Tensor c, Tensor x) => (c + x, (c * x, Sum(x))), init, xs);
        var init = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var xs = Tensor.Zeros(DType.Float32, 0, 3);
        var (carry, (products, sums)) = f(init, xs);
        var (compiledCarry, (compiledProducts, compiledSums)) = Jit.Compile(f)(init, xs);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, carry.ToFloatArray());
        CollectionAssert.AreEqual(compiledCarry.ToFloatArray(), carry.ToFloatArray());
        Assert.AreEqual(compiledProducts.Type, products.Type);
        Assert.AreEqual(compiledSums.Type, sums.Type);
        Assert.AreEqual("f32[0,3]", products.Type.ToString());
        Assert.AreEqual("f32[0]", sums.Type.ToString());
    }

    [TestMethod]
    public void LoopsAreNotUnrolled()
    {
        Func<Tensor, int, Tensor> f = (x, n) => Sum(ForLoop(n, (i, s) => Tanh(s * 1.01) + Cast(i, DType.Float32) * 1e-4, x));
        var x = Tensor.FromArray(new float[] { 0.1f, 0.2f }, 2);
        int Equations(int n) => Jit.Trace(Jit.Grad(f), x, n).Equations.Count;
        Assert.AreEqual(Equations(10), Equations(10_000), "the graph size must not depend on the trip count");
        StringAssert.Contains(Jit.Trace(f, x, 10_000).ToString(), "length=10000");
        var g = Jit.Grad(f)(x, 10_000);
        var numeric = TestUtil.NumericGrad(t => f(Cast(t, DType.Float32), 10_000).Item(), Cast(x, DType.Float64), 1e-3);
        TestUtil.AssertClose(numeric, g.ToDoubleArray(), 2e-2, 1e-3, "10,000-step loop gradient");
    }

    [TestMethod]
    public void WhileLoopRunsADataDependentNumberOfSteps()
    {
        // Newton's method for sqrt(a) until the update is tiny.
        Func<Tensor, Tensor> sqrt = a => WhileLoop(
            s => Greater(Abs(s[0] * s[0] - a), 1e-12),
            s => new[] { (s[0] + a / s[0]) * 0.5 },
            new[] { a })[0];
        var a = Tensor.Scalar(2.0);
        Assert.AreEqual(Math.Sqrt(2), sqrt(a).Item(), 1e-12);
        Assert.AreEqual(Math.Sqrt(2), Jit.Compile(sqrt)(a).Item(), 1e-12);
        var (_, tangent) = Jit.Jvp(sqrt)(a, Tensor.Scalar(1.0));
        Assert.AreEqual(0.5 / Math.Sqrt(2), tangent.Item(), 1e-6);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => Jit.Grad(sqrt)(a));
        StringAssert.Contains(e.Message, "WhileLoop");
        StringAssert.Contains(e.Message, "ForLoop");
        // Per-example trip counts under vmap.
        var batch = Tensor.FromArray(new double[] { 2, 9, 100 }, 3);
        TestUtil.AssertClose([Math.Sqrt(2), 3, 10], Jit.Vmap(sqrt)(batch).ToDoubleArray(), 1e-9, 1e-9, "vmap(while)");
    }

    [TestMethod]
    public void CondPicksABranchAndDifferentiatesIt()
    {
        Func<Tensor, Tensor> f = x => Cond(Greater(Sum(x), 0.0), () => Sum(Sin(x)), () => Sum(x * x));
        var pos = Tensor.FromArray(new double[] { 0.5, 0.25 }, 2);
        var neg = Tensor.FromArray(new double[] { -0.5, 0.25 }, 2);
        Assert.AreEqual(Math.Sin(0.5) + Math.Sin(0.25), Jit.Compile(f)(pos).Item(), 1e-12);
        Assert.AreEqual(0.3125, Jit.Compile(f)(neg).Item(), 1e-12);
        CollectionAssert.AreEqual(new[] { Math.Cos(0.5), Math.Cos(0.25) }, Jit.Grad(f)(pos).ToDoubleArray());
        CollectionAssert.AreEqual(new[] { -1.0, 0.5 }, Jit.Grad(f)(neg).ToDoubleArray());
        Assert.AreEqual(-1.0 + 0.5, Jit.Jvp(f)(neg, Tensor.Ones(DType.Float64, 2)).Tangent.Item(), 1e-12);
        // A batched predicate: each example takes its own branch.
        var batch = Stack(0, pos, neg);
        TestUtil.AssertClose([f(pos).Item(), f(neg).Item()], Jit.Vmap(f)(batch).ToDoubleArray(), 1e-12, 1e-12, "vmap(cond)");
    }

    [TestMethod]
    public void SwitchChoosesByIndex()
    {
        Func<Tensor, Tensor, Tensor> f = (x, k) => Switch(k, () => x * 2.0, () => Exp(x), () => -x);
        var x = Tensor.FromArray(new double[] { 0.5 }, 1);
        Assert.AreEqual(1.0, Jit.Compile(f)(x, Tensor.Scalar(0)).Item(), 1e-12);
        Assert.AreEqual(Math.Exp(0.5), Jit.Compile(f)(x, Tensor.Scalar(1)).Item(), 1e-12);
        Assert.AreEqual(-0.5, Jit.Compile(f)(x, Tensor.Scalar(7)).Item(), 1e-12, "index clamped");
        Assert.AreEqual(Math.Exp(0.5), Jit.Grad((Tensor t, Tensor k) => Sum(f(t, k)))(x, Tensor.Scalar(1)).Item(), 1e-12);
    }

    [TestMethod]
    public void SwitchUnderVmapWithSharedAndPerExampleIndices()
    {
        Func<Tensor, Tensor, Tensor> f = (x, k) => Switch(k, () => x * 2.0, () => Exp(x), () => -x);
        var xs = Tensor.FromArray(new double[] { 0.5, -1, 2 }, 3, 1);
        var ks = Tensor.FromArray(new[] { 2, 0, 1 }, 3);
        var perExample = Jit.Vmap(f, [0, 0])(xs, ks);
        TestUtil.AssertClose([-0.5, -2, Math.Exp(2)], perExample.ToDoubleArray(), 1e-12, 1e-12, "batched index");
        var shared = Jit.Vmap(f, [0, null])(xs, Tensor.Scalar(1));
        TestUtil.AssertClose([Math.Exp(0.5), Math.Exp(-1), Math.Exp(2)], shared.ToDoubleArray(), 1e-12, 1e-12, "shared index");
        var grads = Jit.Vmap((Tensor x, Tensor k) => Jit.Grad((Tensor t, Tensor i) => Sum(f(t, i)))(x, k), [0, 0])(xs, ks);
        TestUtil.AssertClose([-1, 2, Math.Exp(2)], grads.ToDoubleArray(), 1e-12, 1e-12, "vmap(grad(switch))");
    }

    [TestMethod]
    public void BranchesMustAgreeOnTypes()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            Jit.Compile((Tensor x) => Cond(Greater(Sum(x), 0.0), () => x, () => Sum(x)))(Tensor.Zeros(DType.Float32, 3)));
        StringAssert.Contains(e.Message, "f32[3]");
        StringAssert.Contains(e.Message, "f32[]");
    }
}
