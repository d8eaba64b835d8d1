using Tracer.Compiler;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The CPU kernels of the convolution family (im2col + GEMM, and the direct loops of stride-1 2-d layers) against the reference interpreter's loop nests, in f32
/// and f64, with and without vector hardware (the plain-loop product), on one and several threads, and fused into
/// neighbouring elementwise code.
/// </summary>
[TestClass]
public sealed class ConvKernelTests
{
    private static Attrs Geometry(int[] strides, int[] padding, int[] dilation, int groups = 1) =>
        new() { Strides = strides, Padding = padding, Dilation = dilation, Groups = groups };

    // (name, x shape, w shape, geometry): one for each feature, plus one large enough to take the threaded paths.
    private static readonly (string Name, int[] X, int[] W, Attrs A)[] Cases =
    [
        ("1-d", [2, 3, 9], [4, 3, 3], Geometry([1], [0], [1])),
        ("1-d stride 2 pad 2 dilation 2 groups 3", [2, 3, 11], [6, 1, 3], Geometry([2], [2], [2], 3)),
        ("2-d", [3, 2, 6, 5], [3, 2, 3, 3], Geometry([1, 1], [0, 0], [1, 1])),
        ("2-d one example, stride (2,1) pad (1,2) dilation (1,2) groups 2", [1, 4, 7, 8], [6, 2, 3, 2], Geometry([2, 1], [1, 2], [1, 2], 2)),
        ("3-d stride (1,2,1) pad (1,0,1)", [2, 2, 5, 4, 5], [2, 2, 2, 3, 2], Geometry([1, 2, 1], [1, 0, 1], [1, 1, 1])),
        ("2-d threaded, LeNet's second layer", [16, 6, 12, 12], [16, 6, 5, 5], Geometry([1, 1], [0, 0], [1, 1])),
        // Stride-1 2-d layers at least a vector wide take the direct loops: one input channel; padding with widths
        // that are no multiple of the vector (a row's last vector overlaps), an odd channel count and a tap count
        // no multiple of 4; unequal padding and kernel extents.
        ("2-d direct, LeNet's first layer", [4, 1, 28, 28], [6, 1, 5, 5], Geometry([1, 1], [0, 0], [1, 1])),
        ("2-d direct, pad 1, odd widths and channels", [2, 3, 9, 13], [5, 3, 3, 3], Geometry([1, 1], [1, 1], [1, 1])),
        ("2-d direct, pad (2,0), kernel 5x2", [3, 2, 7, 10], [3, 2, 5, 2], Geometry([1, 1], [2, 0], [1, 1])),
        ("2-d direct, unpadded, output vectors no multiple of 4", [2, 3, 7, 11], [5, 3, 3, 3], Geometry([1, 1], [0, 0], [1, 1])),
    ];

    /// <summary>conv, conv_transpose and conv_weight_grad of one geometry in one graph (y, dx, dw).</summary>
    private static Graph Family(DType dtype, int[] x, int[] w, Attrs a)
    {
        var g = ConvGeometry.Create("conv", new Shape(x), new Shape(w), a);
        return Build([T(dtype, x), T(dtype, w), T(dtype, g.OutputShape.ToArray())], xs =>
        [
            Ir.Conv(xs[0], xs[1], a),
            Ir.ConvTranspose(xs[2], xs[1], a, new Shape(x)),
            Ir.ConvWeightGrad(xs[0], xs[2], a, new Shape(w)),
        ]);
    }

    [TestMethod]
    [DataRow(DType.Float32)]
    [DataRow(DType.Float64)]
    public void MatchTheReference(DType dtype)
    {
        int seed = 4100;
        // Inputs in [-0.5, 0.5]: the weight gradient of the largest case sums 1024 products, and in f32 the rounding
        // of a sequential sum of that many terms in [-4, 4] reaches the comparison's 2e-5.
        foreach (var (name, x, w, a) in Cases) Check(Family(dtype, x, w, a), seed++, $"{name} {dtype}", -0.5, 0.5);
    }

    [TestMethod]
    [DataRow(VectorIsa.None, 1)]
    [DataRow(VectorIsa.None, 3)]
    [DataRow(VectorIsa.V256, 1)]
    [DataRow(VectorIsa.V256, 2)]
    public void MatchTheReferenceOnEveryPath(VectorIsa isa, int threads)
    {
        var backend = new CpuBackend(new CpuBackendOptions { Vectors = isa, WideTranscendentals = true, MaxThreads = threads });
        var rng = new Random(4200 + threads);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (var (name, x, w, a) in Cases)
            {
                var g = Family(dtype, x, w, a);
                var inputs = new Array[g.Inputs.Count];
                for (int i = 0; i < inputs.Length; i++) inputs[i] = Random(rng, g.Inputs[i].Type, -0.5, 0.5);
                var expected = Interpreter.Run(RuleTable.Default, g, inputs);
                Compare(expected, backend.Compile(g).Run(inputs), $"{name} {dtype} {isa} x{threads}");
            }
        }
    }

    [TestMethod]
    public void FusesWithItsNeighbours()
    {
        // A bias and ReLU after the convolution, a computed weight before it: operands are materialised, results feed
        // fused consumers.
        var a = Geometry([1, 1], [1, 1], [1, 1]);
        var g = Build([T(DType.Float32, 2, 3, 5, 5), T(DType.Float32, 4, 3, 3, 3), T(DType.Float32, 4, 1, 1)], xs =>
            [Ir.Max(Ir.Conv(Ir.Tanh(xs[0]), xs[1] * xs[1], a) + xs[2], Ir.Lit(0, DType.Float32))]);
        Check(g, 4300, "conv fused", crossCheckSystem: true);
    }

    [TestMethod]
    public void RejectsIntegers()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Build([T(DType.Int32, 1, 1, 4), T(DType.Int32, 1, 1, 2)], xs => [Ir.Conv(xs[0], xs[1], Geometry([1], [0], [1]))]));
        StringAssert.Contains(ex.Message, "conv");
    }
}
