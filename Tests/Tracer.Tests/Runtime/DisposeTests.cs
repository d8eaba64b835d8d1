using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>Dispose gives a tensor's memory back for reuse; a DisposeScope disposes what it did not keep.</summary>
[TestClass]
[DoNotParallelize]
public class DisposeTests
{
    private static Tensor Big(float value) => Tensor.Full(DType.Float32, value, 256, 256);   // 256 KB: pooled

    [TestMethod]
    public void ADisposedTensorsArrayIsReusedByTheNextOutputOfItsSize()
    {
        var x = Big(1);
        var y = x + 1.0;
        var array = ((HostStorage)y.Storage).Data;
        y.Dispose();
        Assert.IsTrue(y.IsDisposed);
        var z = x * 3.0;
        Assert.AreSame(array, ((HostStorage)z.Storage).Data, "the pool handed the array to the next output of its size");
        Assert.AreEqual(3f, z.ToFloatArray()[12345]);
        var e = Assert.Throws<ObjectDisposedException>(() => y.ToFloatArray());
        StringAssert.Contains(e.Message, "f32[256,256]");
        StringAssert.Contains(e.Message, "disposed");
        Assert.AreEqual("f32[256,256] <disposed>", y.ToString());
        y.Dispose();   // twice is fine
    }

    [TestMethod]
    public void ACapturedConstantIsNeverRecycled()
    {
        var table = Big(2);
        var f = Jit.Compile((Tensor x) => Sum(x * table));   // table becomes a constant of the program
        Assert.AreEqual(2.0 * 65536, f(Big(1)).Item(), 1e-3);
        table.Dispose();
        var other = Big(7) + 0.0;                           // would reuse table's array if it had been pooled
        Assert.AreEqual(7f, other.ToFloatArray()[0]);
        Assert.AreEqual(2.0 * 65536, f(Big(1)).Item(), 1e-3, "the compiled constant is intact");
    }

    [TestMethod]
    public void AScopeDisposesWhatItDidNotKeep()
    {
        var x = Big(1);
        Tensor kept, dropped;
        using (var scope = new DisposeScope())
        {
            dropped = Exp(x);
            kept = scope.Keep(Sqrt(x));
            Assert.AreEqual(1, scope.Count);
        }
        Assert.IsTrue(dropped.IsDisposed);
        Assert.IsFalse(kept.IsDisposed);
        Assert.IsFalse(x.IsDisposed, "tensors made before the scope are not its own");
        Assert.AreEqual(1f, kept.ToFloatArray()[0]);
    }

    [TestMethod]
    public void KeptTensorsMoveToTheEnclosingScope()
    {
        Tensor inner;
        using (var outer = new DisposeScope())
        {
            using (var scope = new DisposeScope())
            {
                inner = scope.Keep(Big(3) + 1.0);
            }
            Assert.IsFalse(inner.IsDisposed);
            Assert.AreEqual(1, outer.Count, "the kept result moved out; Big(3), made in the inner scope, was disposed there");
        }
        Assert.IsTrue(inner.IsDisposed);
    }

    [TestMethod]
    public void ATrainingLoopInScopesKeepsItsModelAndOptimiserState()
    {
        var model = (W: Tensor.FromArray(new double[] { 1, -2, 0.5 }, 3), B: Tensor.Scalar(0.1));
        var opt = new Tracer.Training.Adam(learningRate: 0.05);
        var state = opt.Init(model);
        var grad = Jit.Grad(((Tensor W, Tensor B) m) => Sum(Square(m.W)) + Square(m.B));
        for (int i = 0; i < 200; i++)
        {
            using var scope = new DisposeScope();
            (model, state) = scope.Keep(opt.Update(model, grad(model), state));
        }
        Assert.IsLessThan(0.05, Math.Abs(model.W.ToDoubleArray()[0]));
    }
}
