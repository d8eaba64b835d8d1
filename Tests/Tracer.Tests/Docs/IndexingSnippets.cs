using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/indexing.md, run as tests.</summary>
[TestClass]
public class IndexingSnippets
{
    [TestMethod]
    public void BasicIndexing()
    {
        // begin-snippet: indexing-basics
        var x = Tensor.Arange(DType.Float32, 0, 12);
        var m = Reshape(x, 3, 4);
        Console.WriteLine(m[0]);          // prints f32[4] [0, 1, 2, 3]
        Console.WriteLine(m[1..3].Shape); // prints [2,4]
        Console.WriteLine(m[.., ^1]);     // prints f32[3] [3, 7, 11]
        Console.WriteLine(m[2, 1..]);     // prints f32[3] [9, 10, 11]
        Console.WriteLine(m[^1, ^1]);     // prints f32[] 11
        // end-snippet
        Assert.AreEqual(11, m[^1, ^1].Item());
    }

    [TestMethod]
    public void SlidingWindows()
    {
        // begin-snippet: sliding-windows
        // A daily series: predict tomorrow from the last 7 days with a linear model.
        const int days = 60, window = 7;
        var t = Tensor.Arange(DType.Float64, 0, days);
        var rng = new Random(1);
        var noise = Tensor.FromArray(Enumerable.Range(0, days).Select(_ => 0.2 * (rng.NextDouble() - 0.5)).ToArray(), days);
        var series = Sin(t * (2 * Math.PI / 7)) + t * 0.05 + noise;          // weekly cycle, trend and noise

        // Window i is series[i .. i + 7): a matrix of indices i + j, built by broadcasting two aranges.
        var starts = Reshape(Tensor.Arange(DType.Int32, 0, days - window), days - window, 1);
        var offsets = Reshape(Tensor.Arange(DType.Int32, 0, window), 1, window);
        var windows = Take(series, starts + offsets, 0);                     // [53, 7]
        var targets = series[window..];                                      // [53]: the day after each window

        // Normalise each window by its own level: the last value, an integer subscript on axis 1.
        var level = windows[.., ^1];                                         // [53]
        var inputs = windows - Reshape(level, -1, 1);
        Func<Tensor, Tensor> loss = w => Mean(Square(MatMul(inputs, w) + level - targets));
        var grad = Jit.Grad(loss);
        var weights = Tensor.Zeros(DType.Float64, window);
        for (int step = 0; step < 500; step++) weights = weights - grad(weights) * 0.05;
        Console.WriteLine($"{loss(Tensor.Zeros(DType.Float64, window)).Item():F3} -> {loss(weights).Item():F3}");
        // prints 0.385 -> 0.015

        // A 7-day moving average in O(n) with a running sum: mean of series[i-6 .. i] for i >= 6.
        var running = CumSum(series, 0);
        var sums = running[(window - 1)..] - Pad(running, [1], [0])[..(days - window + 1)];
        var movingAverage = sums / window;                                   // [54]
        // end-snippet
        Assert.IsTrue(loss(weights).Item() < 0.02, "the noise (uniform, variance 0.0033) is about what is left");
        TestUtil.AssertClose(Mean(windows, 1).ToDoubleArray(), movingAverage[..(days - window)].ToDoubleArray(), 1e-12, 1e-12, "moving average");
    }

    [TestMethod]
    public void TopKRetrieval()
    {
        // begin-snippet: topk-retrieval
        // Retrieval: score 1,000 items against a batch of queries, keep the best 3 for each.
        var rng = new Random(5);
        Tensor Normal(params int[] shape) => Tensor.FromArray(
            Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), shape);
        var items = Normal(1000, 16);
        items = items / Sqrt(Sum(Square(items), 1, keepDims: true));          // unit vectors
        var queries = items[10..13] + Normal(3, 16) * 0.1f;                   // noisy copies of items 10, 11, 12

        var retrieve = Jit.Compile((Tensor q) => TopK(MatMul(q, Transpose(items)), 3));
        var (scores, ids) = retrieve(queries);
        Console.WriteLine(ids[.., 0]);                                        // prints i32[3] [10, 11, 12]
        Console.WriteLine(scores.Shape);                                      // prints [3,3]

        // The same ranking as a full sort: ArgSort descending, first three columns.
        var ranking = ArgSort(MatMul(queries, Transpose(items)), descending: true)[.., ..3];
        Console.WriteLine(ranking.ToInt32Array().SequenceEqual(ids.ToInt32Array()));   // prints True
        // end-snippet
    }

    [TestMethod]
    public void ShapeUtilities()
    {
        // begin-snippet: shape-utilities
        var x = Reshape(Tensor.Arange(DType.Float32, 1, 7), 2, 3);         // [[1, 2, 3], [4, 5, 6]]
        Console.WriteLine(Pad(x, [0, 1], [0, 1], -1));   // prints f32[2,5] [[-1, 1, 2, 3, -1], [-1, 4, 5, 6, -1]]
        Console.WriteLine(Flip(x, 1));                   // prints f32[2,3] [[3, 2, 1], [6, 5, 4]]
        Console.WriteLine(Roll(x, 1, 1));                // prints f32[2,3] [[3, 1, 2], [6, 4, 5]]
        Console.WriteLine(Repeat(x, 2, 0).Shape);        // prints [4,3]
        Console.WriteLine(Tile(x, 2, 1, 2).Shape);       // prints [2,2,6]
        Console.WriteLine(Split(x, 3, 1)[2]);            // prints f32[2,1] [[3], [6]]
        Console.WriteLine(Triu(x, 1));                   // prints f32[2,3] [[0, 2, 3], [0, 0, 6]]
        Console.WriteLine(Diag(x));                      // prints f32[2] [1, 5]
        Console.WriteLine(Trace(Tensor.Eye(DType.Float32, 4)));                  // prints f32[] 4
        Console.WriteLine(OneHot(Tensor.FromArray(new[] { 2, 0 }, 2), 3, DType.Float32)); // prints f32[2,3] [[0, 0, 1], [1, 0, 0]]
        Console.WriteLine(Tensor.Linspace(DType.Float64, 0, 1, 5));              // prints f64[5] [0, 0.25, 0.5, 0.75, 1]
        // end-snippet
    }

    [TestMethod]
    public void CumulativeGradients()
    {
        // begin-snippet: cumulative-gradients
        var x = Tensor.FromArray(new double[] { 1, 3, 2, 3, 5 }, 5);
        Console.WriteLine(CumMax(x, 0));                                     // prints f64[5] [1, 3, 3, 3, 5]
        // Each running maximum's gradient goes to its first occurrence: position 1 for the three 3s.
        Console.WriteLine(Jit.Grad((Tensor t) => Sum(CumMax(t, 0)))(x));    // prints f64[5] [1, 3, 0, 0, 1]

        // CumProd's gradient is exact with zeros (no division by x).
        var z = Tensor.FromArray(new double[] { 2, 0, 3 }, 3);
        Console.WriteLine(Jit.Grad((Tensor t) => Sum(CumProd(t, 0)))(z));   // prints f64[3] [1, 8, 0]

        // Sort's gradient sends each cotangent back to where the value came from.
        var w = Tensor.FromArray(new double[] { 10, 20, 30 }, 3);
        Console.WriteLine(Jit.Grad((Tensor t) => Sum(Sort(t) * w))(Tensor.FromArray(new double[] { 5, 1, 3 }, 3)));
        // prints f64[3] [30, 10, 20]
        // end-snippet
    }
}
