using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>The backend-neutral lowering on its own: index maps, fusion decisions, printed kernel programs.</summary>
[TestClass]
public sealed class LoweringTests
{
    [TestMethod]
    [DataRow(new[] { 2, 3, 4 }, new[] { 12, 4, 1 }, new[] { 6, 4 }, new[] { 4, 1 })]
    [DataRow(new[] { 2, 3, 4 }, new[] { 12, 4, 1 }, new[] { 2, 1, 12 }, new[] { 12, 0, 1 })]
    [DataRow(new[] { 4, 3 }, new[] { 1, 4 }, new[] { 4, 3, 1 }, new[] { 1, 4, 0 })]           // transposed, unit axis added
    [DataRow(new[] { 6, 5 }, new[] { 1, 6 }, new[] { 2, 3, 5 }, new[] { 3, 1, 6 })]           // split a strided axis
    [DataRow(new[] { 3, 4 }, new[] { 0, 1 }, new[] { 3, 2, 2 }, new[] { 0, 2, 1 })]           // broadcast axis kept apart
    public void ReshapeWithoutCopy(int[] dims, int[] strides, int[] newDims, int[] expected) =>
        CollectionAssert.AreEqual(expected, Views.ReshapeStrides(dims, strides, newDims));

    [TestMethod]
    [DataRow(new[] { 3, 4 }, new[] { 1, 3 }, new[] { 12 })]       // merging transposed axes
    [DataRow(new[] { 3, 4 }, new[] { 0, 1 }, new[] { 12 })]       // merging a broadcast axis
    [DataRow(new[] { 2, 6 }, new[] { 1, 2 }, new[] { 4, 3 })]
    public void ReshapeThatNeedsACopy(int[] dims, int[] strides, int[] newDims) =>
        Assert.IsNull(Views.ReshapeStrides(dims, strides, newDims));

    [TestMethod]
    public void PrintedProgramShowsBuffersMapsAndFusedBodies()
    {
        var g = Build([T(DType.Float32, 4, 3), T(DType.Float32, 3)], xs => [Ir.ReduceSum(Ir.Mul(Ir.Exp(xs[0]), xs[1]), 1)]);
        var text = Lowerer.Lower(g).ToString();
        const string expected = """
            kernel program
              b0: f32[12] input 0
              b1: f32[3] input 1
              b2: f32[4] output 0
              k0: loop [4,3] reduce_sum over last 1: b2[0+(1,0)] = mul(exp(b0[0+(3,1)]), b1[0+(0,1)])    // %4 reduce_sum

            """;
        Assert.AreEqual(expected.ReplaceLineEndings("\n"), text);
    }

    [TestMethod]
    public void ATranscendentalComparedWithItsMaxIsStoredOnce()
    {
        // y·max(y) with y = sin(x): the max and the product would each recompute sin, and max's gradient compares
        // the two. A sine is stored once when it feeds a max; exactly rounded arithmetic (2x + 1) stays fused.
        foreach (var (makeY, stored) in new (Func<Node, Node>, bool)[]
                 { (x => Ir.Sin(x), true), (x => Ir.Add(Ir.Mul(x, Ir.Lit(2, DType.Float32)), Ir.Lit(1, DType.Float32)), false) })
        {
            var g = Build(T(DType.Float32, 16), x =>
            {
                var y = makeY(x);
                return Ir.Mul(y, Ir.Broadcast(Ir.Reshape(Ir.ReduceMax(y, 0), new Shape(1)), new Shape(16)));
            });
            var text = Lowerer.Lower(g).ToString();
            Assert.AreEqual(stored, text.Contains("(max or min operand)"), text);
            Check(g, 3, $"y·max(y), y stored: {stored}");
        }
    }

    [TestMethod]
    public void GatherIsALoadWithADynamicIndexNotAKernel()
    {
        var g = Build([T(DType.Float64, 5, 3), T(DType.Int32, 4)], xs => [Ir.Exp(Ir.Gather(xs[0], xs[1], 0))]);
        var p = Lowerer.Lower(g);
        Assert.HasCount(1, p.Kernels);
        var body = (OpExpr)((LoopKernel)p.Kernels[0]).Body;
        var load = (LoadExpr)body.Args[0];
        Assert.HasCount(1, load.Dynamic);
        Assert.AreEqual(3, load.Dynamic[0].Stride);
        Assert.AreEqual(5, load.Dynamic[0].Extent);
    }

    [TestMethod]
    public void FusionIsCappedSoKernelsStaySmall()
    {
        var g = Build(T(DType.Float64, 8), x =>
        {
            Node v = x;
            for (int i = 0; i < 1000; i++) v = Ir.Sin(v);
            return v;
        });
        var p = Lowerer.Lower(g, new LoweringOptions { MaxFusedOps = 100 });
        Assert.HasCount(10, p.Kernels, p.ToString());
        foreach (var k in p.Kernels) Assert.IsLessThanOrEqualTo(101, ((LoopKernel)k).Body.Size);
    }

    [TestMethod]
    public void MatMulAsLoopKernelReducesTheContraction()
    {
        var g = Build([T(DType.Float32, 2, 3, 4), T(DType.Float32, 4, 5)], xs => [Ir.MatMul(xs[0], xs[1])]);
        var mm = (MatMulKernel)Lowerer.Lower(g).Kernels[0];
        var loop = mm.ToLoopKernel();
        // The batch and row axes of a and of the result are contiguous together, so they merge: [2*3, 5, 4].
        CollectionAssert.AreEqual(new[] { 6, 5, 4 }, loop.Domain, loop.ToString());
        Assert.AreEqual(1, loop.ReducedAxes);
        Assert.AreEqual(OpCode.ReduceSum, loop.ReduceOp);
    }

    [TestMethod]
    public void AValueFeedingAMatMulIsComputedOnceForAllItsConsumers()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // h feeds a matmul (so it gets a buffer) and also a column sum (before the matmul, in graph order), a
            // product with a transposed h and an elementwise use: all of them read that buffer, none recomputes tanh.
            var g = Build([T(dtype, 7, 5), T(dtype, 5), T(dtype, 5, 3), T(dtype, 7, 3)], xs =>
            {
                var h = Ir.Tanh(Ir.Add(xs[0], Ir.Broadcast(xs[1], new Shape(7, 5))));
                var colSum = Ir.ReduceSum(h, 0);
                return [colSum, Ir.MatMul(h, xs[2]), Ir.MatMul(Ir.TransposeLast2(h), xs[3]), Ir.Mul(h, h)];
            });
            var p = Lowerer.Lower(g);
            int withTanh = 0;
            foreach (var k in p.Kernels) withTanh += k.ToString()!.Contains("tanh(") ? 1 : 0;
            Assert.AreEqual(1, withTanh, p.ToString());
            Check(g, 12, $"shared matmul operand {dtype.ShortName()}");
        }
    }

    [TestMethod]
    public void AConstructRunsOnceForAllItsResults()
    {
        var f = T(DType.Float64, 3);
        // A scan with two carries and one stacked output, all three used: one host kernel runs it and writes all three.
        var body = Build([f, f, f], v => [Ir.Add(v[0], v[2]), Ir.Mul(v[1], v[2]), Ir.Sin(v[0])]);
        var def = new ScanDef(body, carries: 2, xs: 1, consts: 0, length: 4, reverse: false);
        var g = Build([f, f, T(DType.Float64, 4, 3)], xs =>
        {
            var r = def.Emit(OpCode.Scan, xs);
            return [Ir.Add(r[0], r[1]), Ir.ReduceSum(r[2], 0)];
        });
        var program = Lowerer.Lower(g);
        var hosts = program.Kernels.OfType<HostKernel>().ToList();
        Assert.AreEqual(3, hosts.Count);
        Assert.AreEqual(3, hosts[0].Results!.Length, "the first kernel writes every result");
        Assert.IsNull(hosts[1].Results);
        Assert.IsNull(hosts[2].Results);
        Check(g, 11, "scan with three used results", 0.1, 2, crossCheckSystem: false);
    }
}
