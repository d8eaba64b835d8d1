using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class PrintingTests
{
    [TestMethod]
    public void GraphPrintsLikeAJaxpr()
    {
        var a = Tensor.Zeros(DType.Float32, 8);
        var graph = Jit.Trace((Tensor x, Tensor y) => Sum(x + Sin(y) * 3.0), a, a);
        const string expected =
            "{ lambda a:f32[8] b:f32[8] .\n" +
            "    c:f32[8] = sin b\n" +
            "    d:f32[8] = mul c 3.0:f32[]\n" +
            "    e:f32[8] = add a d\n" +
            "    f:f32[] = reduce_sum[axes=(0)] e\n" +
            "  in (f) }";
        Assert.AreEqual(expected, graph.ToString());
    }

    [TestMethod]
    public void SymbolicTensorsPrintTheirVariable()
    {
        string? seen = null;
        Jit.Trace((Tensor x) =>
        {
            seen = x.ToString();
            return x;
        }, Tensor.Zeros(DType.Float32, 2, 3));
        Assert.AreEqual("f32[2,3] <traced a>", seen);
    }

    [TestMethod]
    public void ConcreteTensorsPrintTheirValues()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.AreEqual("f32[2,3] [[1, 2, 3], [4, 5, 6]]", x.ToString());
        Assert.AreEqual("f64[] 2.5", Tensor.Scalar(2.5).ToString());
        Assert.AreEqual("i32[2] [0, 2]", Tensor.FromArray(new[] { 0, 2 }, 2).ToString());
    }

    [TestMethod]
    public void DotOutputIsAGraphvizDigraph()
    {
        var dot = Jit.Trace((Tensor x) => Sum(Exp(x)), Tensor.Zeros(DType.Float64, 3)).ToDot();
        StringAssert.StartsWith(dot, "digraph G {");
        StringAssert.Contains(dot, "a -> b;");
        StringAssert.Contains(dot, "exp");
    }

    [TestMethod]
    public void TypesAndShapesPrintShortNames()
    {
        Assert.AreEqual("[2,3]", new Shape(2, 3).ToString());
        Assert.AreEqual("f32", DType.Float32.ShortName());
        Assert.AreEqual("bool", DType.Bool.ShortName());
        Assert.AreEqual("cpu", Device.Cpu.ToString());
    }
}
