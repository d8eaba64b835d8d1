using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/tracing-and-cache.md, run as tests.</summary>
[TestClass]
[DoNotParallelize]
public class TracingSnippets
{
    [TestMethod]
    public void WhatRetraces()
    {
        // begin-snippet: retrace-reasons
        // A Newton iteration for square roots; the iteration count is a static (non-tensor) argument.
        Func<Tensor, int, Tensor> newtonSqrt = (a, iterations) =>
        {
            var r = a;
            for (int i = 0; i < iterations; i++) r = (r + a / r) * 0.5;  // unrolled: `iterations` is static
            return Sum(r);
        };
        var grad = Jit.Grad(newtonSqrt);
        var explanations = new List<string>();
        Jit.Cache.Miss += e => explanations.Add(e.Explanation);

        grad(Tensor.FromArray(new float[] { 4, 9 }, 2), 5);          // first call: trace + compile
        grad(Tensor.FromArray(new float[] { 16, 25 }, 2), 5);        // same signature: cache hit
        grad(Tensor.FromArray(new float[] { 4, 9, 16 }, 3), 5);      // new shape: retrace
        grad(Tensor.FromArray(new double[] { 4, 9, 16 }, 3), 5);     // new dtype: retrace
        grad(Tensor.FromArray(new double[] { 4, 9, 16 }, 3), 6);     // new static value: retrace

        foreach (var e in explanations) Console.WriteLine(e);
        // Grad(WhatRetraces.lambda): first call with (f32[2], 5)
        // Grad(WhatRetraces.lambda): arg 0: f32[2] -> f32[3]
        // Grad(WhatRetraces.lambda): arg 0: f32[3] -> f64[3]
        // Grad(WhatRetraces.lambda): arg 1: 5 -> 6
        // end-snippet
        Assert.AreEqual(4, explanations.Count, string.Join("\n", explanations));
        StringAssert.Contains(explanations[1], "arg 0: f32[2] -> f32[3]");
        StringAssert.Contains(explanations[3], "arg 1: 5 -> 6");
    }
}
