using Tracer.Nn;
using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

public sealed record Factors(Tensor Rows, Tensor Cols);

/// <summary>Onnx.Export: exported models run in ONNX Runtime and compute what Tracer computes.</summary>
[TestClass]
public class OnnxExportTests
{
    /// <summary>The digits classifier's network (64 -> 64 ReLU -> 10) with its weights inside the file.</summary>
    [TestMethod]
    public void DigitsClassifierWithEmbeddedWeights()
    {
        var keys = Prng.Split(Prng.PRNGKey(3), 3);
        var model = Chain.Of(Nn.Dense.Create(keys[0], 64, 64, Activation.Relu), Nn.Dense.Create(keys[1], 64, 10));
        var x = Prng.Uniform(keys[2], 16, 64);
        Func<Tensor, Tensor> probabilities = input => Softmax(model.Apply(input), -1);
        string file = TempFile("digits.onnx");
        Tracer.Onnx.Export(probabilities, file, x);

        var outputs = Run(file, ("input", x));
        Assert.HasCount(1, outputs);
        AssertClose(probabilities(x), outputs[0], 1e-5, "probabilities");
    }

    /// <summary>The MatFac example's predictor, its robust loss (a custom rule) and that loss's gradient.</summary>
    [TestMethod]
    public void MatFacPredictorLossAndGradient()
    {
        var keys = Prng.Split(Prng.PRNGKey(11), 3);
        var factors = new Factors(Init.Normal(keys[0], 0.5, 12, 3), Init.Normal(keys[1], 0.5, 8, 3));
        var data = Prng.Normal(keys[2], 12, 8);
        var pseudoHuber = Rule.Define("pseudo_huber_test", (Tensor r) =>
        {
            var s = Sqrt(1.0 + Square(r / 0.5));
            return (0.25 * (s - 1.0), dy => dy * r / s);
        });
        Func<Factors, Tensor> predict = f => MatMul(f.Rows, Transpose(f.Cols));
        Func<Factors, Tensor, Tensor> loss = (f, y) => Mean(pseudoHuber(predict(f) - y));

        string file = TempFile("matfac-predict.onnx");
        Tracer.Onnx.Export(predict, file, factors);
        AssertClose(predict(factors), Run(file, ("input.Rows", factors.Rows), ("input.Cols", factors.Cols))[0], 1e-5, "prediction");

        file = TempFile("matfac-loss.onnx");
        Tracer.Onnx.Export(loss, file, factors, data);
        var feeds = new[] { ("input0.Rows", factors.Rows), ("input0.Cols", factors.Cols), ("input1", data) };
        AssertClose(loss(factors, data), Run(file, feeds)[0], 1e-5, "loss");

        var grad = Jit.Grad(loss);
        file = TempFile("matfac-grad.onnx");
        Tracer.Onnx.Export(grad, file, factors, data);
        var outputs = Run(file, feeds);
        var expected = grad(factors, data);
        AssertClose(expected.Rows, outputs[0], 1e-4, "d Rows");
        AssertClose(expected.Cols, outputs[1], 1e-4, "d Cols");
    }

    /// <summary>Gather, its transpose (scatter_add, in the gradient), casts, comparisons and integer outputs.</summary>
    [TestMethod]
    public void EmbeddingLookupAndItsGradient()
    {
        var table = Init.Normal(Prng.PRNGKey(5), 1.0, 6, 4);
        var ids = Tensor.FromArray(new[] { 1, 5, 1, 0, 3 }, 5);
        Func<Tensor, Tensor, Tensor> loss = (t, i) => Sum(Square(Take(t, i, 0)) * Reshape(Cast(Greater(i, 0), DType.Float32), 5, 1));
        var grad = Jit.Grad(loss);
        string file = TempFile("embedding-grad.onnx");
        Tracer.Onnx.Export(grad, file, table, ids);
        AssertClose(grad(table, ids), Run(file, ("input0", table), ("input1", ids))[0], 1e-5, "d table");

        Func<Tensor, (Tensor Positive, Tensor Rounded)> ints = t => (Greater(t, 0.0), Cast(t * 10.0, DType.Int32));
        file = TempFile("ints.onnx");
        Tracer.Onnx.Export(ints, file, table);
        var outputs = Run(file, ("input", table));
        AssertClose(Greater(table, 0.0), outputs[0], 0, "bool output");
        AssertClose(Cast(table * 10.0, DType.Int32), outputs[1], 0, "i32 output");
    }

    [TestMethod]
    public void ExportOverwritesAndNamesTreeInputsByPath()
    {
        string file = TempFile("overwrite.onnx");
        Tracer.Onnx.Export((Tensor x) => x * 2.0, file, Tensor.Ones(DType.Float64, 2));
        var list = new List<Tensor> { Tensor.Ones(DType.Float64, 2), Tensor.Full(DType.Float64, 3, 2) };
        Tracer.Onnx.Export((List<Tensor> xs) => xs[0] + xs[1], file, list);
        AssertClose(Tensor.Full(DType.Float64, 4, 2), Run(file, ("input.0", list[0]), ("input.1", list[1]))[0], 0, "sum");
    }
}
