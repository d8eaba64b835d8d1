using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/performance.md, run as tests.</summary>
[TestClass]
[DoNotParallelize]
public class PerformanceSnippets
{
    [TestMethod]
    public void SmoothImageInScopes()
    {
        // begin-snippet: dispose-scope
        // Denoise a 512 x 512 image by 100 steps of explicit heat diffusion, written eagerly. Every step makes
        // several 1 MB tensors; the scope gives their memory back at the end of the step, so the next step reuses
        // it instead of waiting for the garbage collector.
        var image = Tensor.FromArray(Enumerable.Range(0, 512 * 512).Select(i => (float)((i * 7919) % 256) / 255f).ToArray(), 512, 512);
        for (int step = 0; step < 100; step++)
        {
            using var scope = new DisposeScope();
            var padded = Concat(0, Slice(image, [0, 0], [1, 512]), image, Slice(image, [511, 0], [512, 512]));
            var up = Slice(padded, [0, 0], [512, 512]);
            var down = Slice(padded, [2, 0], [514, 512]);
            var next = image + (up + down - image * 2.0) * 0.2;
            image.Dispose();                     // the previous step's image is no longer needed
            image = scope.Keep(next);            // everything else made in this step is disposed here
        }
        Console.WriteLine(image.Shape);          // prints [512,512]
        // end-snippet
        Assert.IsFalse(image.IsDisposed);
    }

    [TestMethod]
    public void DonateTheStateOfAnIterativeSolver()
    {
        // begin-snippet: donate
        // Jacobi iterations for a diagonally dominant 1000 x 1000 system, one compiled step per iteration. The step
        // consumes its first argument (the old iterate): the next step's output reuses that memory, so the loop
        // cycles between two buffers and never waits for the garbage collector.
        int n = 1000;
        var a = Tensor.FromArray(Enumerable.Range(0, n * n).Select(i => i % (n + 1) == 0 ? 4.0 : (i % 7 == 0 ? 0.001 : 0.0)).ToArray(), n, n);
        var b = Tensor.Full(DType.Float64, 1.0, n);
        var diagonal = Tensor.Full(DType.Float64, 4.0, n);
        var step = Jit.Compile((Tensor x, Tensor rhs) => x + (rhs - MatMul(a, x)) / diagonal, donate: [0]);
        var x = Tensor.Zeros(DType.Float64, n);
        for (int k = 0; k < 50; k++) x = step(x, b);   // the old x is consumed: do not use it afterwards
        double residual = Max(Abs(MatMul(a, x) - b)).Item();
        Console.WriteLine(residual < 1e-9);              // prints True
        // end-snippet
        Assert.IsLessThan(1e-9, residual);
    }
}
