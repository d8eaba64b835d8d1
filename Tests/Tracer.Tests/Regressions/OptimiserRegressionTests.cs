using Tracer.Training;

namespace Tracer.Tests;

/// <summary>Regression tests: optimiser state or gradients that do not mirror the model are errors, not silent broadcasts.</summary>
[TestClass]
public class OptimiserRegressionTests
{
    private static (Tensor A, Tensor B) Model(DType dtype, int a, int b) =>
        (Tensor.Ones(dtype, a), Tensor.Ones(dtype, b));

    [TestMethod]
    public void StateOfOtherShapesIsAnErrorNamingTheLeaf()
    {
        var opt = new Adam();
        var state = opt.Init(Model(DType.Float32, 3, 4));
        var small = Model(DType.Float32, 1, 1);
        // Used to return a model with leaves [3] and [4], broadcast from the state.
        var e = Assert.Throws<ArgumentException>(() => opt.Update(small, small, state));
        StringAssert.Contains(e.Message, "Adam.Update");
        StringAssert.Contains(e.Message, "'Item1'");
        StringAssert.Contains(e.Message, "f32[3]");
        StringAssert.Contains(e.Message, "f32[1]");

        // The right structure, same size, wrong shape (used to be a bare broadcast error).
        var square = (Tensor.Ones(DType.Float32, 2, 3), Tensor.Ones(DType.Float32, 4));
        var transposed = opt.Init((Tensor.Ones(DType.Float32, 3, 2), Tensor.Ones(DType.Float32, 4)));
        e = Assert.Throws<ArgumentException>(() => opt.Update(square, square, transposed));
        StringAssert.Contains(e.Message, "f32[3,2]");
        StringAssert.Contains(e.Message, "f32[2,3]");

        // The same optimiser works afterwards.
        var (model, _) = opt.Update(small, small, opt.Init(small));
        Assert.AreEqual(small.A.Shape, model.A.Shape);
    }

    [TestMethod]
    public void StateOfAnotherDTypeIsAnErrorNotAPromotion()
    {
        var opt = new Momentum();
        var f32 = Model(DType.Float32, 2, 2);
        var state64 = opt.Init(Model(DType.Float64, 2, 2));
        var e = Assert.Throws<ArgumentException>(() => opt.Update(f32, f32, state64));
        StringAssert.Contains(e.Message, "Momentum.Update");
        StringAssert.Contains(e.Message, "f64[2]");
        StringAssert.Contains(e.Message, "f32[2]");
        var (model, _) = opt.Update(f32, f32, opt.Init(f32));
        Assert.AreEqual(DType.Float32, model.A.DType);
    }

    [TestMethod]
    public void GradientsOfOtherShapesOrDTypesAreErrorsNamingTheLeaf()
    {
        var opt = new Descent(0.1);
        var model = new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(DType.Float32, 3), ["b"] = Tensor.Ones(DType.Float32, 1) };
        var grads = new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(DType.Float32, 3), ["b"] = Tensor.Ones(DType.Float64, 1) };
        var e = Assert.Throws<ArgumentException>(() => opt.Update(model, grads, opt.Init(model)));
        StringAssert.Contains(e.Message, "Descent.Update");
        StringAssert.Contains(e.Message, "b: f64[1]");
        grads["b"] = Tensor.Ones(DType.Float32, 3);
        e = Assert.Throws<ArgumentException>(() => opt.Update(model, grads, opt.Init(model)));
        StringAssert.Contains(e.Message, "b: f32[3]");
    }

    [TestMethod]
    public void ChainedStatesAreCheckedToo()
    {
        var opt = new OptimiserChain(new ClipNorm(1), new Adam());
        var state = opt.Init(Model(DType.Float32, 5, 5));
        var m = Model(DType.Float32, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => opt.Update(m, m, state));
        StringAssert.Contains(e.Message, "f32[5]");
    }
}

/// <summary>Regression: CrossEntropy with float labels silently switched to soft targets.</summary>
[TestClass]
public class LossRegressionTests
{
    [TestMethod]
    public void CrossEntropyTakesClassLabelsAndSoftCrossEntropyProbabilities()
    {
        var logits = Tensor.FromArray(new float[] { 2, 0, -1, 0, 1, 3 }, 2, 3);
        var labels = Tensor.FromArray(new[] { 0, 2 }, 2);
        var e = Assert.Throws<ArgumentException>(() => Nn.Losses.CrossEntropy(logits, Ops.Cast(labels, DType.Float32)));
        StringAssert.Contains(e.Message, "Losses.CrossEntropy");
        StringAssert.Contains(e.Message, "SoftCrossEntropy");
        StringAssert.Contains(e.Message, "f32[2]");

        var hard = Nn.Losses.CrossEntropy(logits, labels).Item();
        var soft = Nn.Losses.SoftCrossEntropy(logits, Nn.Losses.OneHot(labels, 3)).Item();
        Assert.AreEqual(hard, soft, 1e-6);
        e = Assert.Throws<ArgumentException>(() => Nn.Losses.SoftCrossEntropy(logits, labels));
        StringAssert.Contains(e.Message, "Losses.SoftCrossEntropy");
        StringAssert.Contains(e.Message, "CrossEntropy(logits, labels)");
    }
}
