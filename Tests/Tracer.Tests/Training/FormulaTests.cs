using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Training;

/// <summary>
/// Rules torch.optim does not have (Lion, the wrappers, chains) against their published formulas, computed by
/// hand in float64 step by step; and the contract of Init/Update (state mirrors the model, purity, one compile).
/// </summary>
[TestClass]
public class FormulaTests
{
    public sealed record Net(Tensor W, Tensor[] Biases, int Tag);

    private static readonly double[] W0 = [0.3, -1.2, 2.5, 0.0, 0.7, -0.4];

    private static double[] Grad(double[] p, int k) =>
        Array.ConvertAll(p, v => Math.Sin(3 * v + k) + 0.5 * v);   // a fixed, step-dependent "gradient" field

    private static void Run(Optimiser opt, Func<double[], double[], int, double[]> reference, int steps = 8)
    {
        var p = Tensor.FromArray((double[])W0.Clone(), 2, 3);
        var expected = (double[])W0.Clone();
        var state = opt.Init(p);
        for (int k = 0; k < steps; k++)
        {
            var g = Grad(p.ToDoubleArray(), k);
            (p, state) = opt.Update(p, Tensor.FromArray(g, 2, 3), state);
            expected = reference(expected, Grad(expected, k), k + 1);
            TrainingTestUtil.AssertClose(expected, p.ToDoubleArray(), 1e-10, 1e-12, $"{opt.GetType().Name} step {k + 1}");
        }
    }

    [TestMethod]
    public void LionFollowsChenEtAl()
    {
        double lr = 0.05, b1 = 0.8, b2 = 0.95, wd = 0.1;
        var m = new double[W0.Length];
        Run(new Lion(learningRate: lr, beta1: b1, beta2: b2, weightDecay: wd), (p, g, _) =>
        {
            var next = new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double c = b1 * m[i] + (1 - b1) * g[i];
                next[i] = p[i] - lr * (Math.Sign(c) + wd * p[i]);
                m[i] = b2 * m[i] + (1 - b2) * g[i];
            }
            return next;
        });
    }

    [TestMethod]
    public void LionDefaultsAreThePapers()
    {
        var lion = new Lion();
        Assert.AreEqual((1e-4, 0.9, 0.99, 0.0), (lion.LearningRate, lion.Beta1, lion.Beta2, lion.WeightDecay));
    }

    [TestMethod]
    public void WeightDecayAddsToTheGradient() =>
        Run(new WeightDecay(weightDecay: 0.2), (p, g, _) => p.Select((v, i) => v - (g[i] + 0.2 * v)).ToArray());

    [TestMethod]
    public void ClipGradClampsEachElement() =>
        Run(new ClipGrad(0.4), (p, g, _) => p.Select((v, i) => v - Math.Clamp(g[i], -0.4, 0.4)).ToArray());

    [TestMethod]
    public void ClipNormRescalesLongGradients()
    {
        foreach (var (max, norm) in new[] { (0.5, 2.0), (100.0, 2.0), (0.3, 1.0), (0.2, double.PositiveInfinity) })
        {
            Run(new ClipNorm(max, norm), (p, g, _) =>
            {
                double n = double.IsPositiveInfinity(norm) ? g.Max(Math.Abs) : Math.Pow(g.Sum(v => Math.Pow(Math.Abs(v), norm)), 1 / norm);
                double f = Math.Min(1, max / n);
                return p.Select((v, i) => v - g[i] * f).ToArray();
            });
        }
    }

    [TestMethod]
    public void ChainAppliesRulesInOrder()
    {
        // Clip, then decay, then momentum: v = 0.9 v + (clip(g) + 0.01 p); p -= 0.1 v.
        var v = new double[W0.Length];
        Run(new OptimiserChain(new ClipGrad(0.5), new WeightDecay(0.01), new Momentum(learningRate: 0.1, momentum: 0.9)), (p, g, _) =>
        {
            var next = new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                v[i] = 0.9 * v[i] + Math.Clamp(g[i], -0.5, 0.5) + 0.01 * p[i];
                next[i] = p[i] - 0.1 * v[i];
            }
            return next;
        });
    }

    [TestMethod]
    public void StateMirrorsTheModelAndUpdateIsPure()
    {
        var model = new Net(Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2), [Tensor.Zeros(DType.Float32, 2), Tensor.Ones(DType.Float32, 3)], Tag: 7);
        var opt = new OptimiserChain(new ClipNorm(1), new Adam(learningRate: 0.1));
        var state = opt.Init(model);
        Assert.AreEqual(2, state.Inner.Length);
        Assert.AreEqual(2, state.Inner[1].Slots.Length);
        Assert.AreEqual(Tree.Structure(model), Tree.Structure(state.Inner[1].Slots[0]));
        Assert.AreEqual(0.0, state.Step.Item());

        var grads = Tree.Map(model, x => x * 0 + 1);
        var (updated, next) = opt.Update(model, grads, state);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, model.W.ToFloatArray(), "the old model is unchanged");
        Assert.AreEqual(0.0, state.Step.Item(), "the old state is unchanged");
        Assert.AreEqual(1.0, next.Step.Item());
        Assert.AreEqual(7, updated.Tag, "static leaves are kept");
        Assert.AreEqual(DType.Float32, updated.W.DType, "float32 leaves stay float32 (step scalars are cast)");
        // Adam's first step moves every coordinate by about the learning rate.
        foreach (var (before, after) in model.W.ToFloatArray().Zip(updated.W.ToFloatArray())) Assert.AreEqual(before - 0.1, after, 1e-5);
    }

    [TestMethod]
    public void TheWholeTreeCompilesOncePerSignature()
    {
        var opt = new RMSProp(learningRate: 0.01, momentum: 0.5);
        var model = new[] { Tensor.Ones(DType.Float32, 3), Tensor.Ones(DType.Float32, 2, 2), Tensor.Ones(DType.Float32) };
        var grads = Tree.Map(model, x => x * 0.5);
        int thread = Environment.CurrentManagedThreadId, misses = 0;
        void Count(CacheMiss m)
        {
            if (Environment.CurrentManagedThreadId == thread && m.Function.Contains("Traced")) misses++;
        }
        Jit.Cache.Miss += Count;
        try
        {
            var state = opt.Init(model);
            for (int i = 0; i < 5; i++) (model, state) = opt.Update(model, grads, state);
            Assert.AreEqual(1, misses, "five steps, one compile");
            var bigger = new[] { Tensor.Ones(DType.Float32, 4), model[1], model[2] };
            opt.Update(bigger, Tree.Map(bigger, x => x), opt.Init(bigger));
            Assert.AreEqual(2, misses, "a new shape is a new signature");
        }
        finally
        {
            Jit.Cache.Miss -= Count;
        }
    }

    [TestMethod]
    public void UpdateCanBeTracedInsideACompiledTrainingStep()
    {
        var opt = new Adam(learningRate: 0.05);
        Func<Tensor, Tensor> loss = w => Sum(Square(w - 3.0));
        var grad = Jit.Grad(loss);
        var step = Jit.Compile<Tensor, OptimiserState<Tensor>, (Tensor, OptimiserState<Tensor>)>((w, s) => opt.Update(w, grad(w), s));
        var w = Tensor.FromArray(new float[] { 0, 1 }, 2);
        var state = opt.Init(w);
        var (eagerW, eagerState) = (w, state);
        for (int i = 0; i < 3; i++)
        {
            (w, state) = step(w, state);
            (eagerW, eagerState) = opt.Update(eagerW, grad(eagerW), eagerState);
        }
        CollectionAssert.AreEqual(eagerW.ToFloatArray(), w.ToFloatArray());
        Assert.AreEqual(3.0, state.Step.Item());
    }

    [TestMethod]
    public void MismatchedTreesAreClearErrors()
    {
        var opt = new Descent();
        Tensor[] model = [Tensor.Ones(DType.Float32, 2)];
        var e = Assert.ThrowsExactly<ArgumentException>(() => opt.Update(model, [Tensor.Ones(DType.Float32, 2), Tensor.Ones(DType.Float32, 2)], opt.Init(model)));
        StringAssert.Contains(e.Message, "structure");
        var adamState = new Adam().Init(model);
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => opt.Update(model, model, adamState));
        StringAssert.Contains(e2.Message, "Init");
    }
}
