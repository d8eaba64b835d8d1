using Tracer.Compiler;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The CPU kernels of max pooling (max_pool_pick, max_pool_scatter) against the reference interpreter: the 2 x 2
/// stride-2 fast path (vector steps and scalar tails, even and odd extents, 2-d and 3-d) and the general loop (overlapping, padded, 1-d), in f32
/// and f64, with and without vectors, on one and several threads, with ties and NaNs.
/// </summary>
[TestClass]
public sealed class PoolKernelTests
{
    private static Attrs Window(int[] window, int[] strides, int[] padding) => new() { Shape = new Shape(window), Strides = strides, Padding = padding };

    private static readonly (string Name, int[] X, Attrs A)[] Cases =
    [
        ("2-d 2x2, the fast path", [2, 3, 8, 6], Window([2, 2], [2, 2], [0, 0])),
        ("2-d 2x2 odd height and width: a row and a column in no window", [2, 2, 7, 5], Window([2, 2], [2, 2], [0, 0])),
        ("2-d 2x2 wide, odd width: vector steps and a scalar tail", [2, 3, 10, 37], Window([2, 2], [2, 2], [0, 0])),
        ("3-d window (1,2,2): the fast path over depth", [1, 2, 3, 4, 22], Window([1, 2, 2], [1, 2, 2], [0, 0, 0])),
        ("2-d window 3 stride 2 pad 1", [2, 2, 7, 6], Window([3, 3], [2, 2], [1, 1])),
        ("2-d window 2 stride 1, overlapping", [1, 3, 5, 5], Window([2, 2], [1, 1], [0, 0])),
        ("2-d window 2 stride 3, gaps", [1, 2, 8, 7], Window([2, 2], [3, 3], [0, 0])),
        ("1-d window 3 pad 1", [3, 9], Window([3], [1], [1])),
        ("threaded, LeNet's first pool", [16, 6, 24, 24], Window([2, 2], [2, 2], [0, 0])),
    ];

    /// <summary>pick(x, x) (max pooling), pick(x, t) and scatter(x, g) of one geometry in one graph.</summary>
    private static Graph Family(DType dtype, int[] x, Attrs a)
    {
        var g = PoolGeometry.Create("max_pool_pick", new Shape(x), a);
        return Build([T(dtype, x), T(dtype, x), T(dtype, g.OutputShape.ToArray())], xs =>
        [
            Ir.MaxPoolPick(xs[0], xs[0], a),
            Ir.MaxPoolPick(xs[0], xs[1], a),
            Ir.MaxPoolScatter(xs[0], xs[2], a),
        ]);
    }

    [TestMethod]
    [DataRow(DType.Float32)]
    [DataRow(DType.Float64)]
    public void MatchTheReference(DType dtype)
    {
        int seed = 5100;
        foreach (var (name, x, a) in Cases) Check(Family(dtype, x, a), seed++, $"{name} {dtype}");
    }

    [TestMethod]
    [DataRow(VectorIsa.V256, 1)]
    [DataRow(VectorIsa.V256, 3)]
    [DataRow(VectorIsa.None, 1)]
    public void MatchTheReferenceWithTiesAndNaNsOnEveryPath(VectorIsa isa, int threads)
    {
        var backend = new CpuBackend(new CpuBackendOptions { Vectors = isa, MaxThreads = threads });
        var rng = new Random(5200 + threads);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (var (name, x, a) in Cases)
            {
                var g = Family(dtype, x, a);
                var inputs = new Array[g.Inputs.Count];
                for (int i = 0; i < inputs.Length; i++) inputs[i] = Random(rng, g.Inputs[i].Type, -2, 2);
                // x from {-1, 0, 1} with a few NaNs: windows with tied maxima and NaN maxima.
                var xs = new double[inputs[0].Length];
                for (int i = 0; i < xs.Length; i++) xs[i] = rng.Next(50) == 0 ? double.NaN : rng.Next(3) - 1;
                inputs[0] = dtype == DType.Float32 ? Array.ConvertAll(xs, v => (float)v) : xs;
                var expected = Interpreter.Run(RuleTable.Default, g, inputs);
                Compare(expected, backend.Compile(g).Run(inputs), $"{name} {dtype} {isa} x{threads}");
            }
        }
    }

    [TestMethod]
    public void TheFirstMaximumWinsAndANaNBeatsEveryNumber()
    {
        // Windows of 2 x 2 over [[1, 3, 2, 2], [3, 0, NaN, 5]]: the first 3 (row 0) and the NaN.
        var a = Window([2, 2], [2, 2], [0, 0]);
        var g = Build([T(DType.Float64, 1, 2, 4), T(DType.Float64, 1, 1, 2)], xs => [Ir.MaxPoolPick(xs[0], xs[0], a), Ir.MaxPoolScatter(xs[0], xs[1], a)]);
        var outs = new CpuBackend().Compile(g).Run([new double[] { 1, 3, 2, 2, 3, 0, double.NaN, 5 }, new double[] { 10, 20 }]);
        var picked = (double[])outs[0];
        Assert.AreEqual(3.0, picked[0]);
        Assert.IsTrue(double.IsNaN(picked[1]));
        CollectionAssert.AreEqual(new double[] { 0, 10, 0, 0, 0, 0, 20, 0 }, (double[])outs[1]);
    }
}
