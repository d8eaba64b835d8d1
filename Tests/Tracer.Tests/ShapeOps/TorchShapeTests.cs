using System.Text.Json;
using Tracer.Tests.Training;
using static Tracer.Ops;
using static Tracer.Tests.TorchFixture;

namespace Tracer.Tests.ShapeOps;

/// <summary>
/// The cumulative, sorting, shape and indexing operations against PyTorch 1.13 (Debian's python3-torch): the fixture
/// Fixtures/torch_shape_reference.json, written by scripts/torch_shape_reference.py, holds per case the input, the
/// outputs, the loss weights and the gradient of Σ output·weight. Each case is checked eagerly (outputs) and through
/// Jit.ValueAndGrad (compiled loss and gradient).
/// </summary>
[TestClass]
public sealed class TorchShapeTests
{
    private static readonly JsonDocument Fixture = TorchFixture.Load("torch_shape_reference.json");

    /// <summary>The same operations as the script's CASES and INT_CASES, in Tracer's spelling.</summary>
    private static readonly Dictionary<string, Func<Tensor, Tensor[]>> Cases = new()
    {
        ["cumsum axis 1"] = x => [CumSum(x, 1)],
        ["cumsum reverse axis 0"] = x => [CumSum(x, 0, reverse: true)],
        ["cumprod axis 1 with zeros"] = x => [CumProd(x, 1)],
        ["cumprod axis 0"] = x => [CumProd(x, 0)],
        ["cummax axis 1"] = x => [CumMax(x, 1)],
        ["cummin axis 0"] = x => [CumMin(x, 0)],
        ["logcumsumexp axis 1"] = x => [LogCumSumExp(x, 1)],
        ["logcumsumexp large"] = x => [LogCumSumExp(x, 0)],
        ["sort last with ties"] = x => [Sort(x), ArgSort(x)],
        ["sort descending with ties"] = x => [Sort(x, descending: true), ArgSort(x, descending: true)],
        ["sort axis 0"] = x => [Sort(x, 0), ArgSort(x, 0)],
        ["topk 3"] = x => TopK(x, 3) is var (v, i) ? [v, i] : [],
        ["pad value"] = x => [Pad(x, [1, 2], [1, 0], 1.5)],
        ["flip 0 1"] = x => [Flip(x, 0, 1)],
        ["tile 2 1 3"] = x => [Tile(x, 2, 1, 3)],
        ["repeat 3 axis 1"] = x => [Repeat(x, 3, 1)],
        ["roll -2 axis 1"] = x => [Roll(x, -2, 1)],
        ["split 3 axis 1"] = x => Split(x, 3, 1),
        ["tril 1"] = x => [Tril(x, 1)],
        ["triu -1"] = x => [Triu(x, -1)],
        ["diag vector"] = x => [Diag(x)],
        ["diag batched"] = x => [Diag(x)],
        ["trace"] = x => [Trace(x)],
        ["index [1]"] = x => [x[1]],
        ["index [1..3]"] = x => [x[1..3]],
        ["index [.., ^1]"] = x => [x[.., ^1]],
        ["index [2, 1..]"] = x => [x[2, 1..]],
        ["argsort with ties"] = x => [ArgSort(x)],
        ["argsort descending with ties"] = x => [ArgSort(x, descending: true)],
        ["argsort axis 0"] = x => [ArgSort(x, 0)],
        ["one_hot depth 5"] = x => [OneHot(Cast(x, DType.Int32), 5, DType.Int32)],
    };

    private static readonly Dictionary<string, Func<Tensor>> Factories = new()
    {
        ["arange 0.5 3 0.25"] = () => Tensor.Arange(DType.Float64, 0.5, 3, 0.25),
        ["arange 5 -3 -2"] = () => Tensor.Arange(DType.Float64, 5, -3, -2),
        ["linspace -1 2 7"] = () => Tensor.Linspace(DType.Float64, -1, 2, 7),
        ["eye 3"] = () => Tensor.Eye(DType.Float64, 3),
    };

    public static IEnumerable<object[]> CaseNames() =>
        Fixture.RootElement.GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static IEnumerable<object[]> FactoryNames() =>
        Fixture.RootElement.GetProperty("factories").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [TestMethod]
    public void EveryFixtureCaseHasAnImplementation()
    {
        foreach (var row in CaseNames()) Assert.IsTrue(Cases.ContainsKey((string)row[0]), $"no C# case for '{row[0]}'");
        foreach (var row in FactoryNames()) Assert.IsTrue(Factories.ContainsKey((string)row[0]), $"no C# factory for '{row[0]}'");
    }

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void MatchesTorch(string name)
    {
        var c = Fixture.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var f = Cases[name];
        var x = Tensor.FromArray(Doubles(c.GetProperty("x")), Ints(c.GetProperty("x_shape")));
        var expected = c.GetProperty("outputs").EnumerateArray().ToArray();
        var outs = f(x);
        Assert.HasCount(expected.Length, outs, $"{name}: number of outputs");
        var weights = new Tensor?[outs.Length];
        for (int k = 0; k < outs.Length; k++)
        {
            var shape = Ints(expected[k].GetProperty("shape"));
            CollectionAssert.AreEqual(shape, outs[k].Shape.ToArray(), $"{name}: output {k} shape");
            TestUtil.AssertClose(Doubles(expected[k].GetProperty("values")), outs[k].ToDoubleArray(), 1e-12, 1e-12, $"{name}: output {k}");
            if (expected[k].GetProperty("weight").ValueKind != JsonValueKind.Null)
                weights[k] = Tensor.FromArray(Doubles(expected[k].GetProperty("weight")), shape);
            else
                Assert.IsFalse(outs[k].DType.IsFloat(), $"{name}: output {k} is {outs[k].Type} but torch's is an integer");
        }
        if (c.GetProperty("grad").ValueKind == JsonValueKind.Null) return;
        Func<Tensor, Tensor> loss = t =>
        {
            var ys = f(t);
            Tensor total = Tensor.Scalar(0.0);
            for (int k = 0; k < ys.Length; k++)
            {
                if (weights[k] is { } w) total = total + Sum(ys[k] * w);
            }
            return total;
        };
        var (value, grad) = Jit.ValueAndGrad(loss)(x);
        TestUtil.AssertClose([loss(x).Item()], [value.Item()], 1e-12, 1e-12, $"{name}: compiled loss");
        TestUtil.AssertClose(Doubles(c.GetProperty("grad")), grad.ToDoubleArray(), 1e-10, 1e-12, $"{name}: gradient");
    }

    [TestMethod]
    [DynamicData(nameof(FactoryNames))]
    public void FactoriesMatchTorch(string name)
    {
        var c = Fixture.RootElement.GetProperty("factories").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        TestUtil.AssertClose(Doubles(c.GetProperty("values")), Factories[name]().ToDoubleArray(), 1e-15, 1e-15, name);
    }
}
