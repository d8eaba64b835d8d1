using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The README's example, run as a test; its printed output is checked by DocsOutputTests.</summary>
[TestClass]
public class ReadmeSnippets
{
    [TestMethod]
    public void FirstGradient()
    {
        // begin-snippet: readme
        Func<Tensor, Tensor> f = x => Sum(Tanh(x) * Sin(x) + x * x);
        var df = Jit.Grad(f);                          // traced once per signature, compiled, cached
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 4);
        Console.WriteLine(df(x));                      // the gradient
        Console.WriteLine(Jit.Trace(df, x));           // the differentiated graph, jaxpr-style
        // end-snippet
        Assert.AreEqual(DType.Float32, df(x).DType);
    }
}
