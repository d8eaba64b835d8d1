using Tracer.Compiler;
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
    public void ControlFlowBodiesPrintInFullNestedAndIndented()
    {
        var graph = Jit.Trace((Tensor xs) => Scan((Tensor c, Tensor x) => (c + x, c * x), Tensor.Scalar(0f), xs), Tensor.Zeros(DType.Float32, 3));
        // One equation for the construct's two results; the body's names continue after the enclosing graph's.
        const string expected =
            "{ lambda a:f32[3] .\n" +
            "    b:f32[] c:f32[3] = scan[length=3 carries=1 xs=1 consts=0\n" +
            "      body={ lambda d:f32[] e:f32[] .\n" +
            "          f:f32[] = add d e\n" +
            "          g:f32[] = mul d e\n" +
            "        in (f, g) }] 0.0:f32[] a\n" +
            "  in (b, c) }";
        Assert.AreEqual(expected, graph.ToString());
    }

    [TestMethod]
    public void NestedConstructsPrintTwoColumnsDeeperPerLevel()
    {
        // A Cond (a switch) inside a ForLoop (a scan): the branches print inside the loop body.
        var graph = Jit.Trace((Tensor x) => ForLoop(2, (i, s) => Cond(Greater(Sum(s), 0.0), () => s * 2.0, () => -s), x), Tensor.Zeros(DType.Float64, 2));
        const string expected =
            "{ lambda a:f64[2] .\n" +
            "    b:i32[2] = constant[0,1]\n" +
            "    c:f64[2] d:f32[2] = scan[length=2 carries=1 xs=1 consts=0\n" +
            "      body={ lambda e:f64[2] f:i32[] .\n" +
            "          g:f64[] = reduce_sum[axes=(0)] e\n" +
            "          h:bool[] = gt g 0.0:f64[]\n" +
            "          i:i32[] = convert_element_type[new_dtype=i32] h\n" +
            "          j:f64[2] = switch[branches=2\n" +
            "            branch0={ lambda k:f64[2] .\n" +
            "                l:f64[2] = neg k\n" +
            "              in (l) }\n" +
            "            branch1={ lambda m:f64[2] .\n" +
            "                n:f64[2] = mul m 2.0:f64[]\n" +
            "              in (n) }] i e\n" +
            "        in (j, 0.0:f32[]) }] a b\n" +
            "  in (c) }";
        Assert.AreEqual(expected, graph.ToString());
    }

    [TestMethod]
    public void AConstructWithSomeResultsRemovedNamesTheResultsLeft()
    {
        // After dead-code elimination only the stacked outputs (result 1) of the scan are left.
        var graph = Jit.Trace((Tensor xs) => Scan((Tensor c, Tensor x) => (c + x, c * x), Tensor.Scalar(0f), xs).Item2, Tensor.Zeros(DType.Float32, 3));
        StringAssert.Contains(Optimizer.Run(graph).ToString(), "= scan[length=3 carries=1 xs=1 consts=0 results=(1)\n");
        StringAssert.Contains(graph.ToString(), "b:f32[] c:f32[3] = scan[length=3 carries=1 xs=1 consts=0\n");
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
