using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

/// <summary>Scan, while and switch exported as ONNX Loop and If nodes compute what Tracer computes.</summary>
[TestClass]
public class OnnxControlFlowTests
{
    private static readonly Tensor Xs = Tensor.FromArray(new double[] { 0.5, -1, 2, 0.25, 3, -0.5 }, 3, 2);

    [TestMethod]
    public void ScanForwardAndReversedWithCarriesAndStackedOutputs()
    {
        foreach (bool reverse in new[] { false, true })
        {
            Func<Tensor, Tensor, (Tensor, Tensor)> f = (init, xs) =>
                Scan((Tensor c, Tensor x) => (c * 0.5 + Sin(x), c * x), init, xs, reverse);
            var init = Tensor.FromArray(new double[] { 1, 2 }, 2);
            string file = TempFile($"scan-{reverse}.onnx");
            Tracer.Onnx.Export(f, file, init, Xs);
            var outputs = Run(file, ("input0", init), ("input1", Xs));
            var (carry, stacked) = f(init, Xs);
            AssertClose(carry, outputs[0], 1e-12, $"carry (reverse={reverse})");
            AssertClose(stacked, outputs[1], 1e-12, $"stacked (reverse={reverse})");
        }
    }

    [TestMethod]
    public void TheGradientOfAScan()
    {
        Func<Tensor, Tensor, Tensor> loss = (w, xs) =>
            Sum(Scan((Tensor c, Tensor x) => (Tanh(c * w + x), Square(c)), Tensor.Zeros(DType.Float64, 2), xs).Item2);
        var grad = Jit.Grad(loss);
        var w = Tensor.FromArray(new double[] { 0.7, -1.3 }, 2);
        string file = TempFile("scan-grad.onnx");
        Tracer.Onnx.Export(grad, file, w, Xs);
        AssertClose(grad(w, Xs), Run(file, ("input0", w), ("input1", Xs))[0], 1e-10, "d w");
    }

    [TestMethod]
    public void WhileLoopRunsUntilItsConditionFails()
    {
        Func<Tensor, Tensor> f = x => WhileLoop(s => Less(Sum(s), 100.0), s => s * 2.0 + 1.0, x);
        string file = TempFile("while.onnx");
        Tracer.Onnx.Export(f, file, Tensor.Ones(DType.Float32, 3));
        foreach (var start in new[] { 1f, 40f, 200f })   // 200: the condition fails at once, no iteration
        {
            var x = Tensor.Full(DType.Float32, start, 3);
            AssertClose(f(x), Run(file, ("input", x))[0], 1e-6, $"start {start}");
        }
    }

    [TestMethod]
    public void SwitchClampsItsIndexAndCondPicksABranch()
    {
        Func<Tensor, Tensor, Tensor> f = (i, x) => Switch(i, () => x + 1.0, () => Exp(x), () => x * x);
        var x = Tensor.FromArray(new float[] { 0.5f, -2 }, 2);
        string file = TempFile("switch.onnx");
        Tracer.Onnx.Export(f, file, Tensor.Scalar(0), x);
        foreach (int index in new[] { -4, 0, 1, 2, 9 })
        {
            var i = Tensor.Scalar(index);
            AssertClose(f(i, x), Run(file, ("input0", i), ("input1", x))[0], 1e-6, $"index {index}");
        }

        Func<Tensor, Tensor> g = v => Cond(Greater(Sum(v), 0.0), () => v * 3.0, () => -v);
        file = TempFile("cond.onnx");
        Tracer.Onnx.Export(g, file, x);
        foreach (var v in new[] { x, -x })
            AssertClose(g(v), Run(file, ("input", v))[0], 1e-6, "cond");
    }
}
