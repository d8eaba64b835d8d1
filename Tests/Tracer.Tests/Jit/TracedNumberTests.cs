using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// double and float leaves of jitted functions' arguments are traced weakly typed scalars: a new value does not
/// recompile, they are never differentiated, and Static.Of makes one part of the key instead.
/// </summary>
[TestClass]
[DoNotParallelize]   // counts compiles in the global cache
public sealed class TracedNumberTests
{
    private sealed record Params(Tensor W, double Scale);

    private static readonly Tensor X = Tensor.FromArray(new[] { 1f, -2f, 3f }, 3);

    /// <summary>Misses of the cache during <paramref name="body"/> (eager reference values must be computed outside it).</summary>
    private static long MissesDuring(Action body)
    {
        long before = Jit.Cache.Misses;
        body();
        return Jit.Cache.Misses - before;
    }

    [TestMethod]
    public void ALearningRateScheduleCompilesOnce()
    {
        var step = Jit.Compile((Tensor w, double lr) => w - lr * Square(w));
        var rates = Enumerable.Range(0, 50).Select(i => 0.1 * Math.Pow(0.95, i)).ToArray();
        var results = new float[50][];
        long misses = MissesDuring(() =>
        {
            for (int i = 0; i < 50; i++) results[i] = step(X, rates[i]).ToFloatArray();
        });
        Assert.AreEqual(1, misses, "50 calls with 50 learning rates: one compile");
        for (int i = 0; i < 50; i++) CollectionAssert.AreEqual((X - rates[i] * Square(X)).ToFloatArray(), results[i], $"call {i}");
    }

    [TestMethod]
    public void WeakTypingKeepsTheTensorsDType()
    {
        var f = Jit.Compile((Tensor x, double s) => x * s);
        var y = f(X, 0.1);
        Assert.AreEqual(DType.Float32, y.DType, "f32 tensor times a traced double stays f32");
        CollectionAssert.AreEqual((X * 0.1).ToFloatArray(), y.ToFloatArray());
        Assert.AreEqual(DType.Float32, f(Tensor.FromArray(new[] { 1, 2 }, 2), 0.5).DType, "i32 with a double is f32, as with a literal");
        var g = Jit.Compile((Tensor x, float s) => x + Tensor.Scalar(s));
        CollectionAssert.AreEqual(new[] { 1.25f, -1.75f, 3.25f }, g(X, 0.25f).ToFloatArray());
        CollectionAssert.AreEqual(new[] { 1.5f, -1.5f, 3.5f }, g(X, 0.5f).ToFloatArray());
        var graph = Jit.Lower(f, X, 0.1).Traced;
        Assert.HasCount(2, graph.Inputs, graph.ToString());
        Assert.AreEqual("f64[]", graph.Inputs[1].Type.ToString());
        Assert.HasCount(1, Jit.Trace(f, X, 0.1).Inputs, "Jit.Trace shows the number as a literal (one input per tensor, as ONNX export needs)");
    }

    [TestMethod]
    public void NumbersAreNotDifferentiatedAndCarriedOverIntoTheGradient()
    {
        var loss = Jit.Grad((Params p) => Sum(Square(p.W) * p.Scale));
        var w = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        Params g = null!;
        long misses = MissesDuring(() =>
        {
            g = loss(new Params(w, 3));
            loss(new Params(w, 5));
        });
        Assert.AreEqual(1, misses);
        Assert.AreEqual(3, g.Scale, "the number is carried over unchanged");
        CollectionAssert.AreEqual(new[] { 6.0, 12.0 }, g.W.ToDoubleArray());
        var vg = Jit.ValueAndGrad((Tensor v, double c) => Sum(v * v) * c);
        var (value, grad) = vg(w, 0.5);
        Assert.AreEqual(2.5, value.Item());
        CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, grad.ToDoubleArray());
    }

    [TestMethod]
    public void ArithmeticInCSharpFallsBackToStaticNumbers()
    {
        // 1 - rate is computed in C#: the number cannot be an input, so each value is compiled (and correct).
        var f = Jit.Compile((Tensor x, double rate) => x * (1 - rate));
        CollectionAssert.AreEqual((X * 0.75).ToFloatArray(), f(X, 0.25).ToFloatArray());
        CollectionAssert.AreEqual((X * 0.5).ToFloatArray(), f(X, 0.5).ToFloatArray());
        // A branch on the value: both sides of the branch are seen.
        var g = Jit.Compile((Tensor x, double t) => t > 1 ? x * 2.0 : x * 3.0);
        CollectionAssert.AreEqual((X * 2.0).ToFloatArray(), g(X, 5.0).ToFloatArray());
        CollectionAssert.AreEqual((X * 3.0).ToFloatArray(), g(X, 0.0).ToFloatArray());
    }

    [TestMethod]
    public void EqualNumbersShareAnInputUntilTheyDiffer()
    {
        var f = Jit.Compile((Tensor x, (double A, double B) c) => x * c.A + c.B);
        CollectionAssert.AreEqual((X * 0.5 + 0.5).ToFloatArray(), f(X, (0.5, 0.5)).ToFloatArray());
        CollectionAssert.AreEqual((X * 0.5 + 2.0).ToFloatArray(), f(X, (0.5, 2.0)).ToFloatArray());
        CollectionAssert.AreEqual((X * 3.0 + 3.0).ToFloatArray(), f(X, (3.0, 3.0)).ToFloatArray());
    }

    [TestMethod]
    public void StaticOfIsPartOfTheKey()
    {
        var f = Jit.Compile((Tensor x, Static<double> s) => x * s.Value);
        var expected2 = (X * 2.0).ToFloatArray();
        var expected3 = (X * 3.0).ToFloatArray();
        float[] a = [], b = [], c = [];
        long misses = MissesDuring(() =>
        {
            a = f(X, Static.Of(2.0)).ToFloatArray();
            b = f(X, Static.Of(3.0)).ToFloatArray();
            c = f(X, Static.Of(2.0)).ToFloatArray();
        });
        Assert.AreEqual(2, misses, "one compile per static value");
        CollectionAssert.AreEqual(expected2, a);
        CollectionAssert.AreEqual(expected3, b);
        CollectionAssert.AreEqual(expected2, c);
        var graph = Jit.Trace(f, X, Static.Of(2.0));
        Assert.HasCount(1, graph.Inputs, "a static number is a literal: " + graph);
        Assert.AreEqual("Static(2)", Static.Of(2.0).ToString());
    }

    [TestMethod]
    public void NestedTransformsAndVmapSeeTheNumber()
    {
        var inner = Jit.Grad((Tensor v, double c) => Sum(Sin(v) * c));
        var outer = Jit.Compile((Tensor v, double c) => inner(v, c) * c);
        var v = Tensor.FromArray(new[] { 0.5, 1.0 }, 2);
        foreach (double c in new[] { 2.0, -1.5 })
        {
            var expected = (Cos(v) * c * c).ToDoubleArray();
            TestUtil.AssertClose(expected, outer(v, c).ToDoubleArray(), 1e-14, 0, $"c = {c}");
        }
        var mapped = Jit.Vmap((Tensor row, double s) => Sum(row) * s, [0, null]);
        var m = Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 2, 2);
        CollectionAssert.AreEqual(new[] { 1.5, 3.5 }, mapped(m, 0.5).ToDoubleArray());
        CollectionAssert.AreEqual(new[] { 6.0, 14.0 }, mapped(m, 2.0).ToDoubleArray());
    }

    [TestMethod]
    public void DebugNansSeesTracedNumbers()
    {
        var f = Jit.Compile((Tensor x, double s) => Log(x * s));
        bool saved = Jit.Config.DebugNans;
        Jit.Config.DebugNans = true;
        try
        {
            var e = Assert.ThrowsExactly<NotFiniteNumberException>(() => f(X, 2.0));
            StringAssert.Contains(e.Message, "log");
        }
        finally
        {
            Jit.Config.DebugNans = saved;
        }
    }

    [TestMethod]
    public void AuxAndNumbersTogether()
    {
        var step = Jit.ValueAndGradWithAux((Tensor w, double c) => (Sum(w * w) * c, (Scaled: w * c, C: c)));
        var w = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        long misses = MissesDuring(() =>
        {
            var (v, aux, g) = step(w, 0.5);
            Assert.AreEqual(2.5, v.Item());
            Assert.AreEqual(0.5, aux.C, "a number returned in the auxiliary tree is the call's own");
            var (_, aux3, _) = step(w, 1.0);
            Assert.AreEqual(1.0, aux3.C);
            CollectionAssert.AreEqual(new[] { 0.5, 1.0 }, aux.Scaled.ToDoubleArray());
            CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, g.ToDoubleArray());
            var (v2, aux2, _) = step(w, 2.0);
            Assert.AreEqual(10.0, v2.Item());
            Assert.AreEqual(2.0, aux2.C, "a traced number passed through comes back as the call's own, from the cache too");
        });
        Assert.AreEqual(1, misses);
    }

    [TestMethod]
    public void AModelReturnedByAStepKeepsItsOwnNumbers()
    {
        var step = Jit.Compile((Params p) => p with { W = p.W * p.Scale });
        var w = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        var a = step(new Params(w, 3));
        var b = step(new Params(w, 5));
        Assert.AreEqual(3, a.Scale);
        Assert.AreEqual(5, b.Scale, "the cached call returns its own number, not the first call's");
        CollectionAssert.AreEqual(new[] { 5.0, 10.0 }, b.W.ToDoubleArray());
    }
}
