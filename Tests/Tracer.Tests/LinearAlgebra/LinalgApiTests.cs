using static Tracer.Ops;
using static Tracer.Tests.LinearAlgebra.TorchLinalgTests;

namespace Tracer.Tests.LinearAlgebra;

/// <summary>
/// Tracer.Linalg end to end: eager and compiled CPU kernels (sizes past one block) against the reference device,
/// vmap against a loop, second order through Jit.Hessian, f32, vector right-hand sides, and the errors.
/// </summary>
[TestClass]
public sealed class LinalgApiTests
{
    private static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        int n = 1;
        foreach (int d in shape) n *= d;
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = 2 * rng.NextDouble() - 1;
        return Tensor.FromArray(a, shape);
    }

    /// <summary>x[i] (a slice along axis 0 with the axis removed).</summary>
    private static Tensor At(Tensor x, int i)
    {
        var shape = x.Shape.ToArray();
        var starts = new int[shape.Length];
        var ends = (int[])shape.Clone();
        (starts[0], ends[0]) = (i, i + 1);
        return Reshape(Slice(x, starts, ends), shape[1..]);
    }

    private static void Close(Tensor expected, Tensor actual, double tol, string what) =>
        Training.TrainingTestUtil.AssertClose(expected.ToDoubleArray(), actual.ToDoubleArray(), tol, tol, what);

    /// <summary>The CPU kernels (compiled and eager) against the reference implementations (the reference device).</summary>
    [TestMethod]
    public void CpuKernelsAgreeWithTheReferenceDevice()
    {
        var x = Random(1, 2, 70, 70);
        var b = Random(2, 2, 70, 3);
        var eye = Eye(70);
        Func<Tensor, Tensor, Tensor, Tensor[]> f = (x, b, eye) =>
        {
            var a = MatMul(x, Transpose(x, 0, 2, 1)) + eye * 70.0;
            var l = Linalg.Cholesky(a);
            var (sign, logdet) = Linalg.SlogDet(a);
            return [l, Linalg.TriangularSolve(l, b), Linalg.Solve(a, b), sign * logdet, Linalg.Det(x), Linalg.Inv(a)];
        };
        var reference = f(x.To(Device.Reference), b.To(Device.Reference), eye.To(Device.Reference));
        var eager = f(x, b, eye);
        var compiled = Jit.Compile<Tensor, Tensor, Tensor, Tensor[]>(f)(x, b, eye);
        for (int i = 0; i < eager.Length; i++)
        {
            Close(reference[i], eager[i], 1e-9, $"eager result {i}");
            Close(reference[i], compiled[i], 1e-9, $"compiled result {i}");
        }
    }

    [TestMethod]
    public void VmapOverAStackMatchesALoopAndBroadcastsAnUnbatchedOperand()
    {
        var xs = Random(3, 3, 4, 4);
        var rhs = Random(4, 4, 2);
        Func<Tensor, Tensor> f = x =>
        {
            var a = MatMul(x, Transpose(x)) + Eye(4) * 4.0;
            var (w, _) = Linalg.Eigh(a);
            return Linalg.Solve(Linalg.Cholesky(a), rhs) + Sum(w);
        };
        var batched = Jit.Vmap(f)(xs);
        for (int i = 0; i < 3; i++) Close(f(At(xs, i)), At(batched, i), 1e-10, $"example {i}");
    }

    [TestMethod]
    public void HessianOfALogDeterminantMatchesFiniteDifferencesOfItsGradient()
    {
        Func<Tensor, Tensor> f = x => Linalg.SlogDet(MatMul(x, Transpose(x)) + Eye(3)).LogAbsDet;
        var x = Random(5, 3, 3);
        var h = Jit.Hessian(f)(x).ToDoubleArray();
        var grad = Jit.Grad(f);
        var x0 = x.ToDoubleArray();
        const double step = 1e-5;
        for (int j = 0; j < 9; j++)
        {
            var up = (double[])x0.Clone();
            var down = (double[])x0.Clone();
            up[j] += step;
            down[j] -= step;
            var gu = grad(Tensor.FromArray(up, 3, 3)).ToDoubleArray();
            var gd = grad(Tensor.FromArray(down, 3, 3)).ToDoubleArray();
            for (int i = 0; i < 9; i++)
                Assert.AreEqual((gu[i] - gd[i]) / (2 * step), h[i * 9 + j], 1e-6, $"H[{i},{j}]");
        }
    }

    [TestMethod]
    public void Float32AndVectorRightHandSides()
    {
        var a = Tensor.FromArray(new float[] { 4, 1, 0, 1, 3, 1, 0, 1, 2 }, 3, 3);
        var b = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var x = Jit.Compile<Tensor, Tensor, Tensor>(Linalg.Solve)(a, b);
        Assert.AreEqual(DType.Float32, x.DType);
        CollectionAssert.AreEqual(new[] { 3 }, x.Shape.ToArray());
        var back = MatMul(a, x).ToFloatArray();
        for (int i = 0; i < 3; i++) Assert.AreEqual(b.ToFloatArray()[i], back[i], 1e-5f);
        var (sign, logdet) = Linalg.SlogDet(a);
        Assert.AreEqual(DType.Float32, sign.DType);
        Assert.AreEqual(Math.Log(18), logdet.Item(), 1e-5);
        Assert.AreEqual(18, Linalg.Det(a).Item(), 1e-4);
    }

    [TestMethod]
    public void FailuresAreNaNsThatDebugNansTracesToTheFactorisation()
    {
        var chol = Jit.Compile<Tensor, Tensor>(Linalg.Cholesky);
        var indefinite = Tensor.FromArray(new double[] { 1, 2, 2, 1 }, 2, 2);
        Assert.IsTrue(Array.TrueForAll(chol(indefinite).ToDoubleArray(), double.IsNaN), "a factor of NaNs, no exception");
        Jit.Config.DebugNans = true;
        try
        {
            var e = Assert.ThrowsExactly<NotFiniteNumberException>(() => chol(indefinite));
            StringAssert.Contains(e.Message, "cholesky");
        }
        finally
        {
            Jit.Config.DebugNans = false;
        }
    }

    [TestMethod]
    public void PrintedGraphsNameThePrimitivesAndTheirParameters()
    {
        var a = Random(11, 3, 3);
        string text = Jit.Trace<Tensor, Tensor>(x =>
        {
            var (w, v) = Linalg.Eigh(x);
            return Linalg.TriangularSolve(Linalg.Cholesky(x), v, lower: true, transposeA: true) + Sum(w);
        }, a).ToString();
        StringAssert.Contains(text, "= cholesky ");
        StringAssert.Contains(text, "triangular_solve[lower=True transpose_a=True]");
        StringAssert.Contains(text, "eigh[result=0]");
        StringAssert.Contains(text, "eigh[result=1]");
    }

    [TestMethod]
    public void BadInputsNameTheOperationAndTheShapes()
    {
        var ints = Tensor.FromArray(new[] { 1, 0, 0, 1 }, 2, 2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Linalg.Cholesky(ints)).Message, "cholesky");
        var rect = Random(6, 2, 3);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Linalg.Cholesky(rect)).Message, "square");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Linalg.Eigh(Random(7, 4))).Message, "[4]");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Linalg.Solve(Random(8, 3, 3), Random(9, 4, 2)));
        StringAssert.Contains(ex.Message, "Solve");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Linalg.Solve(Random(8, 2, 3, 3), Random(9, 3, 3, 1)));
        StringAssert.Contains(ex.Message, "batch");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Jit.Grad<Tensor>(x => Sum(Linalg.Qr(x).Q))(Random(10, 2, 3)));
        StringAssert.Contains(ex.Message, "m >= n");
    }
}
