using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/vmap.md, run as tests.</summary>
[TestClass]
public class VmapSnippets
{
    [TestMethod]
    public void PerExampleClipping()
    {
        // begin-snippet: dp-sgd
        // Differentially private SGD needs each example's gradient, clipped to norm C, before averaging.
        // Vmap turns the per-example gradient into one batched computation: no loop over the batch.
        Func<Tensor, Tensor, Tensor, Tensor> exampleLoss = (w, x, y) => Softplus(-y * Dot(x, w));   // logistic loss
        var perExampleGrad = Jit.Vmap(
            (Tensor x, Tensor y, Tensor w) => Jit.Grad(exampleLoss)(w, x, y),
            [0, 0, null]);                                                                           // w is shared

        var rng = new Random(3);
        var xs = Tensor.FromArray(Enumerable.Range(0, 64 * 5).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), 64, 5);
        var ys = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToArray(), 64);
        var w = Tensor.Zeros(DType.Float64, 5);

        const double C = 0.5;
        var g = perExampleGrad(xs, ys, w);                                      // [64, 5]
        var norms = Sqrt(Sum(Square(g), 1, keepDims: true));                     // [64, 1]
        var clipped = g * Minimum(1.0, C / Maximum(norms, 1e-12));
        var update = Mean(clipped, 0);                                           // then add calibrated noise
        Console.WriteLine(update);
        // end-snippet
        Assert.AreEqual(new Shape(64, 5), g.Shape);
        for (int i = 0; i < 3; i++)
        {
            var xi = Reshape(Slice(xs, [i, 0], [i + 1, 5]), 5);
            var yi = Reshape(Slice(ys, [i], [i + 1]));
            TestUtil.AssertClose(Jit.Grad(exampleLoss)(w, xi, yi).ToDoubleArray(), Reshape(Slice(g, [i, 0], [i + 1, 5]), 5).ToDoubleArray(), 1e-12, 1e-12, "row");
        }
        Assert.IsTrue(Max(Sqrt(Sum(Square(clipped), 1))).Item() <= C + 1e-12);
    }
}
