using Tracer.Tests.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Convolution;

/// <summary>
/// Conv, ConvTranspose, MaxPool and AvgPool through every transform: eager against compiled, second derivatives
/// (Grad of Grad) against finite differences of the first in f64, Vmap (data and weights batched) against a loop,
/// and the errors for bad arguments. Values against PyTorch are in <see cref="TorchConvTests"/>.
/// </summary>
[TestClass]
public sealed class ConvOpsTests
{
    private static Tensor Data(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        int n = 1;
        foreach (int d in shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 2 * rng.NextDouble() - 1;
        return Tensor.FromArray(v, shape);
    }

    /// <summary>The operations under test as functions of (x, w) (pools ignore w), with a nonlinearity so second derivatives are not zero.</summary>
    private static readonly (string Name, int[] X, int[] W, Func<Tensor, Tensor, Tensor> F)[] Cases =
    [
        ("conv 2-d stride 2 pad 1 groups 2", [2, 4, 5, 5], [4, 2, 3, 3], (x, w) => Conv(x, w, [2, 2], [1, 1], groups: 2)),
        ("conv 1-d dilation 2", [2, 3, 8], [2, 3, 3], (x, w) => Conv(x, w, dilation: [2])),
        ("conv_transpose 2-d stride 2 output padding 1", [1, 2, 3, 3], [2, 3, 3, 3], (x, w) => ConvTranspose(x, w, [2, 2], [1, 1], [1, 1])),
        ("max_pool 2-d window 3 stride 2 pad 1", [2, 2, 6, 5], [1], (x, _) => MaxPool(x, [3, 3], [2, 2], [1, 1])),
        ("max_pool 1-d window 2", [2, 3, 6], [1], (x, _) => MaxPool(x, [2])),
        ("avg_pool 2-d window 2 stride 1 pad 1", [1, 2, 4, 5], [1], (x, _) => AvgPool(x, [2, 2], [1, 1], [1, 1])),
        ("avg_pool 3-d window 2", [1, 1, 4, 4, 2], [1], (x, _) => AvgPool(x, [2, 2, 2])),
    ];

    public static IEnumerable<object[]> Names() => Cases.Select(c => new object[] { c.Name });

    private static (string Name, int[] X, int[] W, Func<Tensor, Tensor, Tensor> F) Find(string name) => Cases.Single(c => c.Name == name);

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void CompiledMatchesEager(string name)
    {
        var (_, xs, ws, f) = Find(name);
        var (x, w) = (Data(1, xs), Data(2, ws));
        var eager = f(x, w).ToDoubleArray();
        TrainingTestUtil.AssertClose(eager, Jit.Compile(f)(x, w).ToDoubleArray(), 1e-12, 1e-12, $"{name}: compiled f64");
        var x32 = Cast(x, DType.Float32);
        var w32 = Cast(w, DType.Float32);
        TrainingTestUtil.AssertClose(f(x32, w32).ToDoubleArray(), Jit.Compile(f)(x32, w32).ToDoubleArray(), 1e-5, 1e-5, $"{name}: compiled f32");
    }

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void SecondDerivativeMatchesFiniteDifferences(string name)
    {
        var (_, xs, ws, f) = Find(name);
        var (x, w) = (Data(3, xs), Data(4, ws));
        var weights = Data(5, f(x, w).Shape.ToArray());
        var v = Data(6, xs);
        Func<Tensor, Tensor> loss = a => Sum(Tanh(f(a, w)) * weights);
        var grad = Jit.Grad(loss);
        // H v as the gradient of v·∇f, against central differences of ∇f along v.
        var hv = Jit.Grad((Tensor a) => Sum(grad(a) * v))(x).ToDoubleArray();
        const double h = 1e-5;
        var plus = grad(x + v * h).ToDoubleArray();
        var minus = grad(x - v * h).ToDoubleArray();
        var fd = plus.Select((p, i) => (p - minus[i]) / (2 * h)).ToArray();
        TrainingTestUtil.AssertClose(fd, hv, 1e-5, 1e-6, $"{name}: Hessian-vector product");
        Assert.IsTrue(hv.Any(e => Math.Abs(e) > 1e-3), $"{name}: the second derivative should not vanish");
    }

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void VmapMatchesALoop(string name)
    {
        var (_, xs, ws, f) = Find(name);
        const int batch = 3;
        var xsB = Enumerable.Range(0, batch).Select(i => Data(10 + i, xs)).ToArray();
        var wsB = Enumerable.Range(0, batch).Select(i => Data(20 + i, ws)).ToArray();
        // Data batched, weights shared; then both batched (per-example weights).
        var shared = Jit.Vmap(f, [0, null])(Stack(0, xsB), wsB[0]).ToDoubleArray();
        var both = Jit.Vmap(f, [0, 0])(Stack(0, xsB), Stack(0, wsB)).ToDoubleArray();
        var loopShared = xsB.SelectMany(x => f(x, wsB[0]).ToDoubleArray()).ToArray();
        var loopBoth = xsB.Zip(wsB).SelectMany(p => f(p.First, p.Second).ToDoubleArray()).ToArray();
        TrainingTestUtil.AssertClose(loopShared, shared, 1e-12, 1e-12, $"{name}: vmap over x");
        TrainingTestUtil.AssertClose(loopBoth, both, 1e-12, 1e-12, $"{name}: vmap over x and w");
        // Per-example gradients of the weights (vmap of grad).
        if (ws.Length > 1)
        {
            Func<Tensor, Tensor, Tensor> perExample = (x, w) => Jit.Grad((Tensor ww, Tensor xx) => Sum(Tanh(f(xx, ww))))(w, x);
            var grads = Jit.Vmap(perExample, [0, null])(Stack(0, xsB), wsB[0]).ToDoubleArray();
            var loop = xsB.SelectMany(x => perExample(x, wsB[0]).ToDoubleArray()).ToArray();
            TrainingTestUtil.AssertClose(loop, grads, 1e-12, 1e-12, $"{name}: vmap of grad");
        }
    }

    [TestMethod]
    public void MaxPoolGradientGoesToTheFirstMaximum()
    {
        var x = Tensor.FromArray(new double[] { 1, 3, 3, 0, 2, 2, 2, 2 }, 1, 1, 8);
        var g = Jit.Grad((Tensor a) => Sum(MaxPool(a, [2])))(x).ToDoubleArray();
        CollectionAssert.AreEqual(new double[] { 0, 1, 1, 0, 1, 0, 1, 0 }, g);
        var nan = MaxPool(Tensor.FromArray(new double[] { 1, double.NaN, double.NaN, 2 }, 1, 1, 4), [2]).ToDoubleArray();
        Assert.IsTrue(double.IsNaN(nan[0]) && double.IsNaN(nan[1]), "a NaN in a window gives NaN, as PyTorch");
    }

    [TestMethod]
    public void BadArgumentsNameTheOpAndTheShapes()
    {
        var x = Tensor.Zeros(DType.Float32, 2, 3, 8, 8);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Conv(x, Tensor.Zeros(DType.Float32, 4, 2, 3, 3)));
        StringAssert.Contains(ex.Message, "conv");
        StringAssert.Contains(ex.Message, "[4,2,3,3]");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Conv(x, Tensor.Zeros(DType.Float32, 4, 3, 3, 3), strides: [1]));
        StringAssert.Contains(ex.Message, "strides");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Conv(x, Tensor.Zeros(DType.Float32, 4, 3, 9, 3)));
        StringAssert.Contains(ex.Message, "does not fit");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Conv(Tensor.Zeros(DType.Float32, 3, 8), Tensor.Zeros(DType.Float32, 4, 3, 3)));
        StringAssert.Contains(ex.Message, "[N, C, spatial...]");
        ex = Assert.ThrowsExactly<ArgumentException>(() => ConvTranspose(x, Tensor.Zeros(DType.Float32, 3, 2, 3, 3), [2, 2], outputPadding: [2, 0]));
        StringAssert.Contains(ex.Message, "outputPadding");
        ex = Assert.ThrowsExactly<ArgumentException>(() => MaxPool(x, [2, 2], padding: [2, 0]));
        StringAssert.Contains(ex.Message, "half the window");
        ex = Assert.ThrowsExactly<ArgumentException>(() => AvgPool(Tensor.Zeros(DType.Int32, 1, 4, 4), [2]));
        StringAssert.Contains(ex.Message, "float");
    }
}
