using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/getting-started.md, run as tests. DocsTests checks the page shows exactly this code.</summary>
[TestClass]
public class GettingStartedSnippets
{
    [TestMethod]
    public void FirstGradient()
    {
        // begin-snippet: first-gradient
        Func<Tensor, Tensor> f = x => Sum(Tanh(x) * Sin(x) + x * x);
        Func<Tensor, Tensor> df = Jit.Grad(f);

        var x = Tensor.FromArray(new float[] { -1, 0, 1, 2 }, 4);
        Console.WriteLine(f(x));      // prints f32[] 8.158306
        Console.WriteLine(df(x));     // prints f32[4] [...
        // end-snippet
        Assert.AreEqual(4, df(x).Shape[0]);
        Assert.AreEqual("f32[] 8.158306", f(x).ToString());
    }

    [TestMethod]
    public void FitSpringConstant()
    {
        // begin-snippet: fit-spring
        // Measured extensions (m) of a spring under loads (N); Hooke's law F = k x + noise. Find k and the
        // offset b by least squares, with the gradient from Jit.ValueAndGrad.
        var load = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 6);
        var extension = Tensor.FromArray(new double[] { 0.051, 0.098, 0.152, 0.199, 0.251, 0.302 }, 6);

        Func<Tensor[], Tensor, Tensor, Tensor> loss = (p, f, x) => Mean(Square(p[0] * x + p[1] - f));
        var step = Jit.ValueAndGrad(loss);

        Tensor[] p = [Tensor.Scalar(1.0), Tensor.Scalar(0.0)];   // k, b
        for (int i = 0; i < 2000; i++)
        {
            var (value, g) = step(p, load, extension);
            p = [p[0] - g[0] * 0.9, p[1] - g[1] * 0.9];
        }
        Console.WriteLine($"k = {p[0].Item():F1} N/m, b = {p[1].Item():F3} N");
        // end-snippet
        Assert.AreEqual(20, p[0].Item(), 0.5);
    }
}
