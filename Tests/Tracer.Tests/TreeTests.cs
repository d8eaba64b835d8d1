using static Tracer.Ops;

namespace Tracer.Tests;

public sealed record Dense(Tensor W, Tensor B, string Activation);

public sealed record Mlp(Dense Hidden, Dense Output)
{
    public Tensor Predict(Tensor x) => MatMul(Tanh(MatMul(x, Hidden.W) + Hidden.B), Output.W) + Output.B;
}

public sealed class MutableModel
{
    public Tensor Scale { get; set; } = Tensor.Scalar(1.0);

    public List<Tensor> Offsets = [];

    public int Steps { get; set; }
}

public enum Mode
{
    Train,
    Eval,
}

public sealed record WithUnsupported(Tensor W, System.Text.StringBuilder Log);

[TestClass]
public class TreeTests
{
    private static Mlp NewMlp() => new(
        new Dense(TestUtil.Random(new Random(1), DType.Float64, -1, 1, 3, 4), Tensor.Zeros(DType.Float64, 4), "tanh"),
        new Dense(TestUtil.Random(new Random(2), DType.Float64, -1, 1, 4, 2), Tensor.Zeros(DType.Float64, 2), "linear"));

    [TestMethod]
    public void GradientOfARecordHasTheRecordsStructure()
    {
        var model = NewMlp();
        var x = TestUtil.Random(new Random(3), DType.Float64, -1, 1, 5, 3);
        var y = TestUtil.Random(new Random(4), DType.Float64, -1, 1, 5, 2);
        Func<Mlp, Tensor, Tensor, Tensor> loss = (p, a, b) => Mean(Square(p.Predict(a) - b));
        Mlp g = Jit.Grad(loss)(model, x, y);
        Assert.AreEqual("tanh", g.Hidden.Activation);
        Assert.AreEqual(model.Hidden.W.Shape, g.Hidden.W.Shape);

        // Check one leaf against finite differences.
        var numeric = TestUtil.NumericGrad(w => loss(model with { Output = model.Output with { W = w } }, x, y).Item(), model.Output.W);
        TestUtil.AssertClose(numeric, g.Output.W.ToDoubleArray(), 1e-6, 1e-8, "output W");
    }

    [TestMethod]
    public void ClassesWithSettersFieldsListsAndStaticLeaves()
    {
        var m = new MutableModel { Scale = Tensor.Scalar(2.0), Offsets = [Tensor.FromArray(new double[] { 1, 2 }, 2)], Steps = 7 };
        var g = Jit.Grad((MutableModel p) => Sum(p.Offsets[0] * p.Scale * p.Scale))(m);
        Assert.AreEqual(7, g.Steps);
        Assert.AreEqual(2 * 2.0 * 3, g.Scale.Item(), 1e-12);
        CollectionAssert.AreEqual(new double[] { 4, 4 }, g.Offsets[0].ToDoubleArray());
    }

    [TestMethod]
    public void DictionariesTuplesAndEnums()
    {
        var p = new Dictionary<string, Tensor> { ["b"] = Tensor.Scalar(3.0), ["a"] = Tensor.Scalar(2.0) };
        var g = Jit.Grad((Dictionary<string, Tensor> d, Mode mode) => mode == Mode.Train ? d["a"] * d["b"] : d["a"])(p, Mode.Train);
        Assert.AreEqual(3.0, g["a"].Item());
        Assert.AreEqual(2.0, g["b"].Item());

        var t = (Tensor.Scalar(1.0), Tensor.Scalar(4.0));
        var gt = Jit.Grad(((Tensor A, Tensor B) q) => q.A * Sqrt(q.B))(t);
        Assert.AreEqual(2.0, gt.Item1.Item(), 1e-12);
        Assert.AreEqual(0.25, gt.Item2.Item(), 1e-12);
    }

    [TestMethod]
    public void TreeHelpersMapZipLeavesUnflatten()
    {
        var model = NewMlp();
        Assert.AreEqual(4, Tree.Leaves(model).Length);
        var doubled = Tree.Map(model, t => t * 2.0);
        Assert.AreEqual("linear", doubled.Output.Activation);
        var diff = Tree.Zip(doubled, model, (a, b) => a - b);
        CollectionAssert.AreEqual(model.Hidden.W.ToDoubleArray(), diff.Hidden.W.ToDoubleArray());
        var rebuilt = Tree.Unflatten(model, Tree.Leaves(doubled));
        CollectionAssert.AreEqual(doubled.Output.W.ToDoubleArray(), rebuilt.Output.W.ToDoubleArray());
        StringAssert.StartsWith(Tree.Structure(model), "Mlp { Hidden: Dense { W: f64[3,4]");
    }

    [TestMethod]
    public void ATypeThatIsNotATreeNamesTheMember()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => Tree.Leaves(new WithUnsupported(Tensor.Scalar(1f), new())));
        StringAssert.Contains(e.Message, "WithUnsupported");
        StringAssert.Contains(e.Message, "'Log'");
    }

    [TestMethod]
    public void ChangingAStaticLeafRetraces()
    {
        var model = NewMlp();
        var f = Jit.Compile((Mlp p) => p.Hidden.Activation == "tanh" ? Tanh(p.Hidden.B) : p.Hidden.B);
        CollectionAssert.AreEqual(new double[4], f(model).ToDoubleArray());
        var relu = model with { Hidden = model.Hidden with { Activation = "relu", B = Tensor.Full(DType.Float64, 5, 4) } };
        CollectionAssert.AreEqual(new double[] { 5, 5, 5, 5 }, f(relu).ToDoubleArray());
    }
}
