using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>Jit.Compile(f, donate: ...) consumes the donated arguments, so the next call's outputs reuse their memory.</summary>
[TestClass]
[DoNotParallelize]
public class DonationTests
{
    private static Tensor Big(float value) => Tensor.Full(DType.Float32, value, 256, 256);   // 256 KB: pooled

    private static Array ArrayOf(Tensor t) => ((HostStorage)t.Storage).Data;

    [TestMethod]
    public void ADonatedArgumentIsConsumedAndItsMemoryHoldsTheNextCallsOutput()
    {
        var step = Jit.Compile((Tensor w, Tensor g) => w - 0.5 * g, donate: [0]);
        var g = Big(2);
        var w0 = Big(10) + 0.0;
        var first = ArrayOf(w0);
        var w1 = step(w0, g);
        Assert.IsTrue(w0.IsDisposed, "the donated argument is consumed");
        Assert.IsFalse(g.IsDisposed, "a kept argument is not");
        Assert.AreEqual(9f, w1.ToFloatArray()[4321]);
        var w2 = step(w1, g);
        Assert.AreSame(first, ArrayOf(w2), "the output of the next call reuses the donated argument's array");
        Assert.AreEqual(8f, w2.ToFloatArray()[0]);
        var e = Assert.Throws<ObjectDisposedException>(() => w0.ToFloatArray());
        StringAssert.Contains(e.Message, "disposed");
    }

    private sealed record Layer(Tensor W, Tensor B);

    [TestMethod]
    public void EveryLeafOfADonatedTreeIsConsumedButNotWhatTheResultOrAKeptArgumentHolds()
    {
        var update = Jit.Compile((Layer p, Tensor lr) => (new Layer(p.W - lr, p.B), Sum(p.W)), donate: [0]);
        var p = new Layer(Tensor.Full(DType.Float64, 1, 3), Tensor.Full(DType.Float64, 5, 2));
        var (next, total) = update(p, Tensor.Scalar(0.25));
        Assert.IsTrue(p.W.IsDisposed);
        Assert.AreEqual(3.0, total.Item(), 1e-12);
        CollectionAssert.AreEqual(new[] { 0.75, 0.75, 0.75 }, next.W.ToDoubleArray());
        // B is returned unchanged: whether the program copies it or hands the input back, the result stays usable.
        CollectionAssert.AreEqual(new[] { 5.0, 5.0 }, next.B.ToDoubleArray());

        var same = Big(3) + 0.0;
        var both = Jit.Compile((Tensor a, Tensor b) => a * b, donate: [0]);
        var squared = both(same, same);   // passed twice: the kept position holds it
        Assert.IsFalse(same.IsDisposed);
        Assert.AreEqual(9f, squared.ToFloatArray()[7]);

        var identity = Jit.Compile((Tensor x) => x, donate: [0]);
        var x = Big(4) + 0.0;
        var y = identity(x);
        Assert.AreEqual(4f, y.ToFloatArray()[1], "an argument returned as it is stays alive");
    }

    [TestMethod]
    public void ADonationPositionOutsideTheArgumentsIsAClearError()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Jit.Compile((Tensor a, Tensor b) => a + b, donate: [2]));
        StringAssert.Contains(e.Message, "Jit.Compile: cannot donate argument 2: the function takes 2 arguments (positions 0 to 1)");
    }

    [TestMethod]
    public void InsideAnotherTraceADonatingDelegateIsTracedThroughAndConsumesNothing()
    {
        var inner = Jit.Compile((Tensor w) => w * 2.0, donate: [0]);
        var outer = Jit.Grad((Tensor w) => Sum(inner(w)));
        var w = Tensor.FromArray(new float[] { 1, 2 }, 2);
        CollectionAssert.AreEqual(new float[] { 2, 2 }, outer(w).ToFloatArray());
        Assert.IsFalse(w.IsDisposed, "only the donating delegate's own calls consume");
    }
}
