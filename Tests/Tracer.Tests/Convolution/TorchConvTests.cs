using System.Text.Json;
using Tracer.Tests.Training;
using static Tracer.Ops;
using static Tracer.Tests.TorchFixture;

namespace Tracer.Tests.Convolution;

/// <summary>
/// Conv, ConvTranspose, MaxPool and AvgPool against PyTorch: the fixture Fixtures/torch_conv_reference.json
/// (scripts/torch_conv_reference.py, Debian's PyTorch 1.13, float64) holds, per case, the inputs, the result, the
/// weighted-sum loss and its gradients. Each case is checked eagerly (result), through Jit.ValueAndGrad (compiled
/// loss and gradients) and, in f32, compiled against the f64 result.
/// </summary>
[TestClass]
public sealed class TorchConvTests
{
    private static readonly JsonDocument Fixture = TorchFixture.Load("torch_conv_reference.json");

    private static int[]? Param(JsonElement p, string name) => p.TryGetProperty(name, out var v) ? Ints(v) : null;

    /// <summary>The case's operation as a function of (x, w), with the fixture's parameters.</summary>
    private static Func<Tensor, Tensor, Tensor> Operation(JsonElement c)
    {
        var p = c.GetProperty("params");
        int groups = p.TryGetProperty("groups", out var g) ? g.GetInt32() : 1;
        var (strides, padding, dilation) = (Param(p, "strides"), Param(p, "padding"), Param(p, "dilation"));
        return c.GetProperty("op").GetString() switch
        {
            "conv" => (x, w) => Conv(x, w, strides, padding, dilation, groups),
            "conv_transpose" => (x, w) => ConvTranspose(x, w, strides, padding, Param(p, "output_padding"), dilation, groups),
            "max_pool" => (x, _) => MaxPool(x, Param(p, "window")!, strides, padding),
            "avg_pool" => (x, _) => AvgPool(x, Param(p, "window")!, strides, padding),
            var op => throw new InvalidOperationException($"unknown fixture op {op}"),
        };
    }

    public static IEnumerable<object[]> CaseNames() =>
        Fixture.RootElement.GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void MatchesTorch(string name)
    {
        var c = Fixture.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var f = Operation(c);
        var x = Tensor.FromArray(Doubles(c.GetProperty("x")), Ints(c.GetProperty("x_shape")));
        bool hasW = c.GetProperty("w").ValueKind != JsonValueKind.Null;
        var w = hasW ? Tensor.FromArray(Doubles(c.GetProperty("w")), Ints(c.GetProperty("w_shape"))) : Tensor.Zeros(DType.Float64);
        var yShape = Ints(c.GetProperty("y_shape"));
        var weights = Tensor.FromArray(Doubles(c.GetProperty("weights")), yShape);
        var expected = Doubles(c.GetProperty("y"));

        // Eager.
        var y = f(x, w);
        CollectionAssert.AreEqual(yShape, y.Shape.ToArray(), $"{name}: result shape");
        TrainingTestUtil.AssertClose(expected, y.ToDoubleArray(), 1e-12, 1e-12, $"{name}: eager result");

        // Compiled loss and gradients.
        Func<(Tensor X, Tensor W), Tensor> loss = q => Sum(f(q.X, q.W) * weights);
        var (value, grad) = Jit.ValueAndGrad(loss)((x, w));
        Assert.AreEqual(c.GetProperty("loss").GetDouble(), value.Item(), 1e-10, $"{name}: loss");
        TrainingTestUtil.AssertClose(Doubles(c.GetProperty("grad_x")), grad.X.ToDoubleArray(), 1e-10, 1e-10, $"{name}: d loss / dx");
        if (hasW)
            TrainingTestUtil.AssertClose(Doubles(c.GetProperty("grad_w")), grad.W.ToDoubleArray(), 1e-10, 1e-10, $"{name}: d loss / dw");

        // Compiled in f32.
        var y32 = Jit.Compile(f)(Cast(x, DType.Float32), Cast(w, DType.Float32));
        Assert.AreEqual(DType.Float32, y32.DType);
        TrainingTestUtil.AssertClose(expected, y32.ToDoubleArray(), 1e-5, 1e-5, $"{name}: compiled f32 result");
    }
}
