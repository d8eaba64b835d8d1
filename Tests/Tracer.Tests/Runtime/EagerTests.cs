using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>Eager ops run compiled kernels, cached per (primitive, parameters, types, device); the interpreter is the oracle.</summary>
[TestClass]
public class EagerTests
{
    [TestMethod]
    public void EagerOpsMatchTheReferenceImplementation()
    {
        var rng = new Random(3);
        var x = TestUtil.Random(rng, DType.Float32, -2, 2, 37, 19);
        var y = TestUtil.Random(rng, DType.Float32, 0.5, 2, 19);
        var cases = new (string Name, Func<Tensor, Tensor, Tensor> F)[]
        {
            ("add", (a, b) => a + b), ("exp", (a, _) => Exp(a)), ("div", (a, b) => a / b), ("tanh", (a, _) => Tanh(a)),
            ("sum", (a, _) => Sum(a, 1)), ("max", (a, _) => Max(a, 0)), ("softmax", (a, _) => Softmax(a, 1)),
            ("logsumexp", (a, _) => LogSumExp(a, [0])), ("mean", (a, _) => Mean(a, 1, keepDims: true)),
            ("matmul", (a, b) => MatMul(a, Reshape(b, 19, 1))), ("transpose", (a, _) => Transpose(a)),
        };
        foreach (var (name, f) in cases)
        {
            var eager = f(x, y);
            var reference = f(x.To(Device.Reference), y.To(Device.Reference));
            Assert.AreEqual(reference.Type, eager.Type, name);
            TestUtil.AssertClose(reference.ToDoubleArray(), eager.ToDoubleArray(), 1e-5, 1e-5, name);
        }
    }

    [TestMethod]
    public void CompositesRunAsOneCompiledProgram()
    {
        // Softmax eagerly equals Softmax compiled (one fused program) to the last bit.
        var x = TestUtil.Random(new Random(8), DType.Float32, -3, 3, 5, 64);
        CollectionAssert.AreEqual(Jit.Compile((Tensor t) => Softmax(t, 1))(x).ToFloatArray(), Softmax(x, 1).ToFloatArray());
    }

    [TestMethod]
    public void DataDependentErrorsKeepTheirMessage()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var e = Assert.Throws<Exception>(() => Take(x, Tensor.FromArray(new[] { 5 }, 1), 0));
        StringAssert.Contains(e.Message, "5");
    }
}
