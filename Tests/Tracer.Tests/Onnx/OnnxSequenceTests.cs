using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

/// <summary>cumsum (ONNX CumSum) and argsort (ONNX TopK over the whole axis) through ONNX Runtime, with their gradients.</summary>
[TestClass]
public sealed class OnnxSequenceTests
{
    [TestMethod]
    public void CumSumSortTopKAndTheirGradients()
    {
        // Ties (values rounded to halves) check that TopK's tie-break gives the stable order.
        var x = Tensor.FromArray(new float[] { 1, 0.5f, 2, 0.5f, -1, 2, 0, 1, 1.5f, -1, 0.5f, 2 }, 3, 4);
        Func<Tensor, (Tensor, Tensor, Tensor, Tensor, Tensor)> f = t =>
            (CumSum(t, 1), CumSum(t, 0, reverse: true), Sort(t, 0), ArgSort(t, descending: true), TopK(t, 2).Values);
        string file = TempFile("sequence.onnx");
        Tracer.Onnx.Export(f, file, x);
        var outputs = Run(file, ("input", x));
        var (a, b, c, d, e) = f(x);
        AssertClose(a, outputs[0], 1e-6, "cumsum");
        AssertClose(b, outputs[1], 1e-6, "cumsum reverse");
        AssertClose(c, outputs[2], 0, "sort axis 0");
        AssertClose(d, outputs[3], 0, "argsort descending");
        AssertClose(e, outputs[4], 0, "topk values");

        var w = Tensor.Arange(DType.Float32, 1, 13);
        Func<Tensor, Tensor> grad = Jit.Grad((Tensor t) => Sum(Reshape(Sort(CumSum(t, 1)), 12) * w));
        file = TempFile("sequence-grad.onnx");
        Tracer.Onnx.Export(grad, file, x);
        AssertClose(grad(x), Run(file, ("input", x))[0], 1e-5, "gradient");
    }
}
