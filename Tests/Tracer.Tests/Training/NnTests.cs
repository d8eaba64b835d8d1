using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Training;

using Dense = Tracer.Nn.Dense;   // Tracer.Tests has a Dense of its own

/// <summary>PRNG, initialisers, layers, losses and data helpers.</summary>
[TestClass]
public class NnTests
{
    [TestMethod]
    public void Threefry2x32MatchesTheRandom123KnownAnswers()
    {
        // Known-answer vectors of Threefry-2x32-20 from the Random123 distribution (kat_vectors).
        Assert.AreEqual((0x6b200159u, 0x99ba4efeu), Prng.Threefry2x32(new PRNGKey(0, 0), 0, 0));
        Assert.AreEqual((0x1cb996fcu, 0xbb002be7u), Prng.Threefry2x32(new PRNGKey(uint.MaxValue, uint.MaxValue), uint.MaxValue, uint.MaxValue));
        Assert.AreEqual((0xc4923a9cu, 0x483df7a0u), Prng.Threefry2x32(new PRNGKey(0x13198a2e, 0x03707344), 0x243f6a88, 0x85a308d3));
    }

    [TestMethod]
    public void KeysAreDeterministicAndSplitsDiffer()
    {
        var key = Prng.PRNGKey(42);
        Assert.AreEqual(new PRNGKey(0, 42), key);
        CollectionAssert.AreEqual(Prng.Normal(key, 5).ToFloatArray(), Prng.Normal(Prng.PRNGKey(42), 5).ToFloatArray());
        var parts = Prng.Split(key, 3);
        Assert.AreEqual(3, parts.Distinct().Count());
        Assert.IsFalse(parts.Contains(key));
        CollectionAssert.AreNotEqual(Prng.Uniform(parts[0], 4).ToFloatArray(), Prng.Uniform(parts[1], 4).ToFloatArray());
        Assert.AreNotEqual(Prng.FoldIn(key, 1), Prng.FoldIn(key, 2));
    }

    [TestMethod]
    public void UniformAndNormalHaveTheirMoments()
    {
        var u = Prng.Uniform(Prng.PRNGKey(1), DType.Float64, -2, 4, 20000).ToDoubleArray();
        Assert.IsTrue(u.All(v => v >= -2 && v < 4));
        Assert.AreEqual(1.0, u.Average(), 0.05);
        Assert.AreEqual(3.0, u.Select(v => (v - 1) * (v - 1)).Average(), 0.1);   // (b-a)^2/12

        var z = Prng.Normal(Prng.PRNGKey(2), DType.Float32, 3, 0.5, 100, 201).ToFloatArray();
        Assert.AreEqual(20100, z.Length);
        double mean = z.Average(v => (double)v);
        Assert.AreEqual(3.0, mean, 0.02);
        Assert.AreEqual(0.25, z.Average(v => (v - mean) * (v - mean)), 0.01);
    }

    [TestMethod]
    public void PermutationIsAPermutation()
    {
        var p = Prng.Permutation(Prng.PRNGKey(7), 1000);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToArray(), p);
        Assert.IsFalse(p.SequenceEqual(Enumerable.Range(0, 1000)));
    }

    [TestMethod]
    public void InitialisersHaveTheirScales()
    {
        var key = Prng.PRNGKey(3);
        var g = Init.GlorotUniform(key, 200, 300).ToFloatArray();
        double limit = Math.Sqrt(6.0 / 500);
        Assert.IsTrue(g.All(v => Math.Abs(v) <= limit));
        Assert.AreEqual(limit * limit / 3, g.Average(v => v * v), 0.05 * limit * limit);
        var h = Init.HeNormal(key, 400, 100).ToFloatArray();
        Assert.AreEqual(2.0 / 400, h.Average(v => v * v), 0.05 * 2.0 / 400);
        Assert.AreEqual((12, 5), Init.Fans([3, 4, 5]));
    }

    [TestMethod]
    public void ChainOfDenseLayersIsATreeThatTrains()
    {
        // y = sin(3x) on [-1, 1] with a 1-16-1 tanh network and Adam.
        var keys = Prng.Split(Prng.PRNGKey(0), 2);
        var model = Chain.Of(Dense.Create(keys[0], 1, 16, Activation.Tanh), Dense.Create(keys[1], 16, 1));
        Assert.AreEqual(4, Tree.Leaves(model).Length);
        var xs = Enumerable.Range(0, 64).Select(i => -1 + 2 * i / 63f).ToArray();
        var x = Tensor.FromArray(xs, 64, 1);
        var y = Tensor.FromArray(xs.Select(v => MathF.Sin(3 * v)).ToArray(), 64, 1);
        var step = Jit.ValueAndGrad((Chain<Dense, Dense> m, Tensor a, Tensor b) => Losses.MeanSquaredError(m.Apply(a), b));
        var opt = new Adam(learningRate: 0.02);
        var state = opt.Init(model);
        double first = 0, last = 0;
        for (int i = 0; i < 400; i++)
        {
            var (loss, grads) = step(model, x, y);
            if (i == 0) first = loss.Item();
            last = loss.Item();
            (model, state) = opt.Update(model, grads, state);
        }
        Assert.IsLessThan(0.01 * first, last, $"loss {first} -> {last}");
        Assert.AreEqual(Activation.Tanh, model.First.Activation);
    }

    [TestMethod]
    public void LayerNormNormalisesTheLastAxis()
    {
        var ln = LayerNorm.Create(4) with { Scale = Tensor.FromArray(new float[] { 1, 2, 1, 1 }, 4) };
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, -1, -1, -1, 5 }, 2, 4);
        var y = ln.Apply(x).ToFloatArray();
        double sd = Math.Sqrt(1.25 + 1e-5);
        Assert.AreEqual(-1.5 / sd, y[0], 1e-5);
        Assert.AreEqual(2 * -0.5 / sd, y[1], 1e-5);
        Assert.AreEqual(4.5 / Math.Sqrt(27.0 / 4 + 1e-5), y[7], 1e-5);
    }

    [TestMethod]
    public void EmbeddingLooksUpRowsAndScattersGradients()
    {
        var emb = new Embedding(Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2));
        var idx = Tensor.FromArray(new[] { 2, 0, 2 }, 3);
        CollectionAssert.AreEqual(new float[] { 5, 6, 1, 2, 5, 6 }, emb.Apply(idx).ToFloatArray());
        var g = Jit.Grad((Embedding e, Tensor i) => Sum(e.Apply(i)))(emb, idx);
        CollectionAssert.AreEqual(new float[] { 1, 1, 0, 0, 2, 2 }, g.Weight.ToFloatArray());
    }

    [TestMethod]
    public void DropoutKeepsTheExpectedFractionAndScales()
    {
        var d = new Dropout(0.25);
        var y = d.Apply(Tensor.Ones(DType.Float32, 100, 100), Prng.PRNGKey(9)).ToFloatArray();
        Assert.IsTrue(y.All(v => v == 0 || Math.Abs(v - 4f / 3) < 1e-6));
        Assert.AreEqual(0.75, y.Count(v => v != 0) / 10000.0, 0.02);
        Assert.AreEqual(1.0, y.Average(), 0.03);
        CollectionAssert.AreEqual(new float[] { 1, 2 }, d.Apply(Tensor.FromArray(new float[] { 1, 2 }, 2)).ToFloatArray());
    }

    [TestMethod]
    public void LossesMatchTheirDefinitions()
    {
        var logits = Tensor.FromArray(new double[] { 2, 0.5, -1, 0, 0, 3 }, 2, 3);
        var labels = Tensor.FromArray(new[] { 0, 2 }, 2);
        double Lse(params double[] z) => Math.Log(z.Sum(Math.Exp));
        double ce = 0.5 * ((Lse(2, 0.5, -1) - 2) + (Lse(0, 0, 3) - 3));
        Assert.AreEqual(ce, Losses.CrossEntropy(logits, labels).Item(), 1e-12);
        Assert.AreEqual(ce, Losses.SoftCrossEntropy(logits, Losses.OneHot(labels, 3, DType.Float64)).Item(), 1e-12);

        var z = Tensor.FromArray(new double[] { -3, 0.2, 4 }, 3);
        var t = Tensor.FromArray(new double[] { 0, 1, 0.3 }, 3);
        double S(double v) => 1 / (1 + Math.Exp(-v));
        double bce = new[] { (-3.0, 0.0), (0.2, 1.0), (4.0, 0.3) }.Average(p => -p.Item2 * Math.Log(S(p.Item1)) - (1 - p.Item2) * Math.Log(1 - S(p.Item1)));
        Assert.AreEqual(bce, Losses.BinaryCrossEntropyWithLogits(z, t).Item(), 1e-12);

        var pred = Tensor.FromArray(new double[] { 0.5, 3, -2 }, 3);
        var zero = Tensor.Zeros(DType.Float64, 3);
        Assert.AreEqual((0.125 + 2.5 + 1.5) / 3, Losses.Huber(pred, zero).Item(), 1e-12);
        Assert.AreEqual((0.25 + 9 + 4) / 3, Losses.MeanSquaredError(pred, zero).Item(), 1e-12);
    }

    [TestMethod]
    public void StableLossesSurviveHugeLogits()
    {
        var logits = Tensor.FromArray(new float[] { 1000, -1000, 0, 500 }, 2, 2);
        Assert.AreEqual(1250f, (float)Losses.CrossEntropy(logits, Tensor.FromArray(new[] { 1, 0 }, 2)).Item(), 1e-2f);
        var z = Tensor.FromArray(new float[] { 200, -200 }, 2);
        Assert.AreEqual(200.0, Losses.BinaryCrossEntropyWithLogits(z, Tensor.FromArray(new float[] { 0, 1 }, 2)).Item(), 1e-3);
        var g = Jit.Grad((Tensor l) => Losses.CrossEntropy(l, Tensor.FromArray(new[] { 1, 0 }, 2)))(logits).ToFloatArray();
        Assert.IsTrue(g.All(float.IsFinite));
    }

    [TestMethod]
    public void MinibatchesCoverEveryRowOnceInAShuffledOrder()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), 10, 2);
        var y = Tensor.FromArray(Enumerable.Range(0, 10).ToArray(), 10);
        var batches = Data.Minibatches(Prng.PRNGKey(5), x, y, 3).ToList();
        Assert.HasCount(3, batches);   // 10 rows, batches of 3, last one dropped
        var seen = batches.SelectMany(b => b.Y.ToInt32Array()).ToList();
        Assert.AreEqual(9, seen.Distinct().Count());
        foreach (var (bx, by) in batches)
        {
            var rows = bx.ToFloatArray();
            var ids = by.ToInt32Array();
            for (int i = 0; i < ids.Length; i++) Assert.AreEqual(2f * ids[i], rows[2 * i]);
        }
        Assert.HasCount(4, Data.Minibatches(Prng.PRNGKey(5), x, y, 3, dropLast: false).ToList());
        var ((trX, _), (teX, teY)) = Data.Split(Prng.PRNGKey(6), x, y, 0.3);
        Assert.AreEqual((7, 3), (trX.Shape[0], teX.Shape[0]));
        Assert.AreEqual(3, teY.ToInt32Array().Distinct().Count());
    }
}
