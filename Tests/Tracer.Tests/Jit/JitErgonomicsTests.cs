using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>ValueAndGradWithAux, Vmap with four arguments, and Jacobian/Hessian over trees.</summary>
[TestClass]
public sealed class JitErgonomicsTests
{
    private sealed record Linear(Tensor W, Tensor B);

    private static readonly Linear P = new(Tensor.FromArray(new[] { 0.5, -1, 2, 0.25 }, 2, 2), Tensor.FromArray(new[] { 0.1, -0.2 }, 2));
    private static readonly Tensor X = Tensor.FromArray(new[] { 1.0, 2, -1, 0.5, 3, 1 }, 3, 2);
    private static readonly Tensor Y = Tensor.FromArray(new[] { 0.0, 1, 1, 0, 2, -1 }, 3, 2);

    private static Tensor Predict(Linear p, Tensor x) => MatMul(x, p.W) + p.B;

    [TestMethod]
    public void ValueAndGradWithAuxReturnsTheAuxiliaryTree()
    {
        var step = Jit.ValueAndGradWithAux((Linear p, Tensor x, Tensor y) =>
        {
            var pred = Predict(p, x);
            var loss = Mean(Square(pred - y));
            return (loss, (Pred: pred, Mae: Mean(Abs(pred - y))));
        });
        var (value, aux, grad) = step(P, X, Y);
        var expectedLoss = Mean(Square(Predict(P, X) - Y));
        Assert.AreEqual(expectedLoss.Item(), value.Item(), 1e-14);
        CollectionAssert.AreEqual(Predict(P, X).ToDoubleArray(), aux.Pred.ToDoubleArray());
        Assert.AreEqual(Mean(Abs(Predict(P, X) - Y)).Item(), aux.Mae.Item(), 1e-14);
        var plain = Jit.Grad((Linear p, Tensor x, Tensor y) => Mean(Square(Predict(p, x) - y)))(P, X, Y);
        TestUtil.AssertClose(plain.W.ToDoubleArray(), grad.W.ToDoubleArray(), 1e-14, 1e-15, "W");
        TestUtil.AssertClose(plain.B.ToDoubleArray(), grad.B.ToDoubleArray(), 1e-14, 1e-15, "B");

        var single = Jit.ValueAndGradWithAux((Tensor w) => (Sum(w * w), Cast(ArgMaxLike(w), DType.Float64)));
        var (v1, a1, g1) = single(Tensor.FromArray(new[] { 1.0, 3.0 }, 2));
        Assert.AreEqual(10.0, v1.Item());
        Assert.AreEqual(3.0, a1.Item());
        CollectionAssert.AreEqual(new[] { 2.0, 6.0 }, g1.ToDoubleArray());

        var e = Assert.ThrowsExactly<ArgumentException>(() => Jit.ValueAndGradWithAux((Tensor w) => (w, w))(Tensor.FromArray(new[] { 1.0, 2 }, 2)));
        StringAssert.Contains(e.Message, "the first item of the returned pair must be the loss");
    }

    private static Tensor ArgMaxLike(Tensor w) => Max(w);

    [TestMethod]
    public void VmapOfFourArguments()
    {
        var f = Jit.Vmap((Tensor a, Tensor b, Tensor c, Tensor d) => Sum(a * b) + c * d, [0, 0, null, 0]);
        var a = Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new[] { 1.0, 1, 2, 2 }, 2, 2);
        var d = Tensor.FromArray(new[] { 10.0, 20 }, 2);
        CollectionAssert.AreEqual(new[] { 3 + 0.5 * 10, 14 + 0.5 * 20 }, f(a, b, Tensor.Scalar(0.5), d).ToDoubleArray());
        Assert.ThrowsExactly<ArgumentException>(() => Jit.Vmap((Tensor p, Tensor q, Tensor r, Tensor s) => p, [0, 0, 0]));
    }

    [TestMethod]
    public void JacobianOverATree()
    {
        var jac = Jit.Jacobian((Linear p) => Reshape(Predict(p, X), -1));   // [6] output
        var j = jac(P);
        CollectionAssert.AreEqual(new[] { 6, 2, 2 }, j.W.Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 6, 2 }, j.B.Shape.ToArray());
        // Against per-leaf Jacobians of the same function.
        var jw = Jit.Jacobian((Tensor w) => Reshape(Predict(P with { W = w }, X), -1))(P.W);
        var jb = Jit.Jacobian((Tensor b) => Reshape(Predict(P with { B = b }, X), -1))(P.B);
        CollectionAssert.AreEqual(jw.ToDoubleArray(), j.W.ToDoubleArray());
        CollectionAssert.AreEqual(jb.ToDoubleArray(), j.B.ToDoubleArray());
    }

    [TestMethod]
    public void HessianOverATreeIsBlockwise()
    {
        // f = sum(W^2 * B0) + B1^3: mixed blocks are non-zero.
        var hes = Jit.Hessian((Linear p) => Sum(Square(p.W)) * Sum(Slice(p.B, [0], [1])) + Sum(Slice(p.B, [1], [2]) * Square(Slice(p.B, [1], [2]))));
        var h = hes(P);
        Assert.HasCount(2, h);
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 2 }, h[0][0].Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2, 2 }, h[0][1].Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2, 2 }, h[1][0].Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2 }, h[1][1].Shape.ToArray());
        // d2f/dW dW = 2 b0 I; d2f/dW db0 = 2 W; d2f/db1^2 = 6 b1.
        double b0 = 0.1, b1 = -0.2;
        var w = P.W.ToDoubleArray();
        var hww = h[0][0].ToDoubleArray();
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4; k++) Assert.AreEqual(i == k ? 2 * b0 : 0, hww[i * 4 + k], 1e-14);
        var hwb = h[0][1].ToDoubleArray();
        for (int i = 0; i < 4; i++)
        {
            Assert.AreEqual(2 * w[i], hwb[i * 2], 1e-14);
            Assert.AreEqual(0, hwb[i * 2 + 1], 1e-14);
        }
        TestUtil.AssertClose([0.0, 0, 0, 6 * b1], h[1][1].ToDoubleArray(), 1e-12, 1e-12, "d2f/dB2");
    }
}
