using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>Reductions over every axis subset, with fused producers, strided inputs and empty axes.</summary>
[TestClass]
public sealed class ReductionTests
{
    private static readonly int[][] AxisSets = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];

    [TestMethod]
    [DataRow(OpCode.ReduceSum)]
    [DataRow(OpCode.ReduceMax)]
    [DataRow(OpCode.ReduceMin)]
    [DataRow(OpCode.ReduceProd)]
    public void EveryAxisSubset(OpCode op)
    {
        int seed = 500;
        // Products of many values drift: keep them near 1.
        (double lo, double hi) = op == OpCode.ReduceProd ? (0.5, 1.5) : (-2, 2);
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        {
            foreach (var axes in AxisSets)
            {
                var g = Build(T(dtype, 3, 4, 5), x => Ir.Reduce(op, x, axes));
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()} axes ({string.Join(",", axes)})", lo, hi);
            }
            // Odd sizes and a size-1 axis.
            var odd = Build(T(dtype, 7, 1, 3), x => Ir.Reduce(op, x, [1, 2]));
            Check(odd, seed++, $"{op.Name()} {dtype.ShortName()} over [1,3]", lo, hi);
            // Reduction of a transposed input.
            var tr = Build(T(dtype, 4, 6), x => Ir.Reduce(op, Ir.Transpose(x, 1, 0), [1]));
            Check(tr, seed++, $"{op.Name()} {dtype.ShortName()} of a transpose", lo, hi);
        }
    }

    [TestMethod]
    [DataRow(OpCode.ReduceSum)]
    [DataRow(OpCode.ReduceMax)]
    [DataRow(OpCode.ReduceMin)]
    [DataRow(OpCode.ReduceProd)]
    public void FusedProducerRunsInsideTheReductionLoop(OpCode op)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var g = Build([T(dtype, 5, 8), T(dtype, 8)],
                xs => [Ir.Reduce(op, Ir.Add(Ir.Mul(Ir.Sin(xs[0]), xs[1]), Ir.Lit(1.5, dtype)), [1])]);
            Check(g, 600, $"{op.Name()} {dtype.ShortName()} of a fused expression", crossCheckSystem: true);
            var program = CompileFast(g).Program;
            Assert.HasCount(1, program.Kernels, program.ToString());
        }
    }

    [TestMethod]
    public void LongFloat32SumsAccumulateInDouble()
    {
        // 100,000 x 0.1f summed in f32 drifts by ~1e-3 relative; in f64 it rounds to the reference's value.
        var data = new float[100_000];
        Array.Fill(data, 0.1f);
        var g = Build(T(DType.Float32, 100_000), x => Ir.ReduceSum(x, 0));
        var expected = (float[])Interpreter.Run(Rules.RuleTable.Default, g, [data])[0];
        var actual = (float[])CompileFast(g).Run([data])[0];
        Assert.AreEqual(expected[0], actual[0]);
    }

    [TestMethod]
    public void ColumnReductionsRunInMemoryOrderAndStayExact()
    {
        // Reducing a leading axis: loops follow memory, partial results combine into an f64 buffer, rounded once.
        var data = new float[2 * 50_000];
        Array.Fill(data, 0.1f);
        var g = Build(T(DType.Float32, 50_000, 2), x => Ir.ReduceSum(x, 0));
        var exe = CompileFast(g);
        var accumulate = exe.Program.Kernels.OfType<LoopKernel>().Single(k => k.Mode == WriteMode.Accumulate);
        CollectionAssert.AreEqual(new[] { 50_000, 2 }, accumulate.Domain, exe.Program.ToString());
        var expected = (float[])Interpreter.Run(Rules.RuleTable.Default, g, [data])[0];
        CollectionAssert.AreEqual(expected, (float[])exe.Run([data])[0]);
        foreach (var op in new[] { OpCode.ReduceMax, OpCode.ReduceMin, OpCode.ReduceProd })
        {
            foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
            {
                // A fused producer (ints pass through a negation) reduced over axes 0 and 2 of 4.
                var h = Build(T(dtype, 9, 1, 4, 3), x => Ir.Reduce(op, dtype == DType.Int32 ? Ir.Neg(x) : Ir.Exp(x), [0, 2]));
                Check(h, 650, $"{op.Name()} {dtype.ShortName()} over leading axes", -1, 1);
            }
        }
    }

    [TestMethod]
    public void EmptyAxisGivesTheIdentity()
    {
        foreach (var op in new[] { OpCode.ReduceSum, OpCode.ReduceMax, OpCode.ReduceMin, OpCode.ReduceProd })
        {
            foreach (var dtype in new[] { DType.Float64, DType.Int32 })
            {
                var g = Build(T(dtype, 3, 0), x => Ir.Reduce(op, x, [1]));
                Check(g, 700, $"{op.Name()} {dtype.ShortName()} over an empty axis");
            }
        }
    }

    [TestMethod]
    public void SoftmaxLikeGraph()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var g = Build(T(dtype, 4, 9), x =>
            {
                var m = Ir.Broadcast(Ir.Reshape(Ir.ReduceMax(x, 1), new Shape(4, 1)), new Shape(4, 9));
                var e = Ir.Exp(Ir.Sub(x, m));
                var s = Ir.Broadcast(Ir.Reshape(Ir.ReduceSum(e, 1), new Shape(4, 1)), new Shape(4, 9));
                return Ir.Div(e, s);
            });
            Check(g, 800, $"softmax {dtype.ShortName()}", crossCheckSystem: true);
        }
    }
}
