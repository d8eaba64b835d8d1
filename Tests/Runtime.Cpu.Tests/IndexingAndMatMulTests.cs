using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>gather, scatter_add (repeated indices accumulate) and batched, broadcast, strided matmul.</summary>
[TestClass]
public sealed class IndexingAndMatMulTests
{
    private static int[] Indices(Random rng, int count, int extent)
    {
        var idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = rng.Next(extent);
        if (count > 1) idx[^1] = idx[0];   // at least one repeat
        return idx;
    }

    [TestMethod]
    public void Gather()
    {
        var rng = new Random(2000);
        int[] x = [3, 4, 5];
        int[][] indexShapes = [[4], [2, 3], []];
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Bool })
        {
            for (int axis = 0; axis < 3; axis++)
            {
                foreach (var ishape in indexShapes)
                {
                    var it = T(DType.Int32, ishape);
                    var g = Build([T(dtype, x), it], xs => [Ir.Gather(xs[0], xs[1], axis)]);
                    var inputs = new[] { Random(rng, T(dtype, x)), Indices(rng, it.Shape.Size, x[axis]) };
                    Check(g, inputs, $"gather {dtype} axis {axis} indices {Shape.Format(ishape)}");
                }
            }
        }
    }

    /// <summary>Gathers and scatters with batch dimensions (vmap of a gather whose operand and indices are batched).</summary>
    [TestMethod]
    public void GatherAndScatterAddWithBatchDims()
    {
        var rng = new Random(2050);
        // x [2,3,4,5]; batch_dims 1 or 2; every axis at or after the batch axes; index shapes with the batch prefix.
        int[] x = [2, 3, 4, 5];
        foreach (int bd in new[] { 1, 2 })
        {
            for (int axis = bd; axis < 4; axis++)
            {
                int[][] tails = [[], [3], [2, 2]];
                foreach (var tail in tails)
                {
                    var ishape = x[..bd].Concat(tail).ToArray();
                    var it = T(DType.Int32, ishape);
                    var g = Build([T(DType.Float32, x), it], xs => [Ir.Exp(Ir.Gather(Ir.Sin(xs[0]), xs[1], axis, bd))]);
                    var idx = Indices(rng, it.Shape.Size, x[axis]);
                    Check(g, [Random(rng, T(DType.Float32, x)), idx], $"gather batch_dims {bd} axis {axis} indices {Shape.Format(ishape)}", crossCheckSystem: true);

                    var updates = Rules.GatherRules.GatheredShape(new Shape(x), new Shape(ishape), axis, bd);
                    var s = Build([T(DType.Float64, updates.ToArray()), it], xs => [Ir.ScatterAdd(xs[0], xs[1], axis, new Shape(x), bd)]);
                    Check(s, [Random(rng, T(DType.Float64, updates.ToArray())), idx], $"scatter_add batch_dims {bd} axis {axis} indices {Shape.Format(ishape)}");
                }
            }
        }
    }

    [TestMethod]
    public void GatherThroughViewsAndFusedIndices()
    {
        var rng = new Random(2100);
        // Gather from a transposed operand, with indices computed by a fused expression (idx + 1), then a fused op.
        var g = Build([T(DType.Float64, 4, 6), T(DType.Int32, 5)],
            xs => [Ir.Exp(Ir.Gather(Ir.Transpose(xs[0], 1, 0), Ir.Add(xs[1], Ir.Lit(1, DType.Int32)), 0))]);
        Check(g, [Random(rng, T(DType.Float64, 4, 6)), Indices(rng, 5, 5)], "gather of transpose with fused indices", crossCheckSystem: true);
        // Gather of a fused value (materialised first) and gather of a gather.
        var h = Build([T(DType.Float32, 5, 3), T(DType.Int32, 4), T(DType.Int32, 2)],
            xs => [Ir.Gather(Ir.Gather(Ir.Sin(xs[0]), xs[1], 0), xs[2], 0)]);
        Check(h, [Random(rng, T(DType.Float32, 5, 3)), Indices(rng, 4, 5), Indices(rng, 2, 4)], "gather of gather");
    }

    [TestMethod]
    public void GatherOutOfRangeIsAnError()
    {
        var g = Build([T(DType.Float32, 3), T(DType.Int32, 2)], xs => [Ir.Gather(xs[0], xs[1], 0)]);
        var exe = CompileFast(g);
        // The reference implementation's exception type, with the op, axis and shapes in the message.
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => exe.Run([new float[3], new[] { 0, 3 }]));
        StringAssert.Contains(e.Message, "gather on axis 0 of f32[3] with indices i32[2]: index 3 is out of range for an axis of size 3");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => exe.Run([new float[3], new[] { -1, 0 }]));
    }

    [TestMethod]
    public void ScatterAddAccumulatesRepeats()
    {
        var rng = new Random(2200);
        int[] target = [3, 4, 5];
        int[][] indexShapes = [[6], [2, 3], []];
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        {
            for (int axis = 0; axis < 3; axis++)
            {
                foreach (var ishape in indexShapes)
                {
                    var dims = new List<int>();
                    for (int i = 0; i < axis; i++) dims.Add(target[i]);
                    dims.AddRange(ishape);
                    for (int i = axis + 1; i < 3; i++) dims.Add(target[i]);
                    var ut = T(dtype, [.. dims]);
                    var it = T(DType.Int32, ishape);
                    var g = Build([ut, it], xs => [Ir.ScatterAdd(xs[0], xs[1], axis, new Shape(target))]);
                    var inputs = new[] { Random(rng, ut), Indices(rng, it.Shape.Size, target[axis]) };
                    Check(g, inputs, $"scatter_add {dtype} axis {axis} indices {Shape.Format(ishape)}");
                }
            }
        }
        // Fused updates, scattered result used by another op.
        var h = Build([T(DType.Float64, 7, 2), T(DType.Int32, 7)],
            xs => [Ir.Mul(Ir.ScatterAdd(Ir.Exp(xs[0]), xs[1], 0, new Shape(3, 2)), Ir.Lit(2, DType.Float64))]);
        Check(h, [Random(rng, T(DType.Float64, 7, 2)), new[] { 0, 2, 2, 0, 1, 2, 2 }], "scatter_add fused", crossCheckSystem: true);
    }

    [TestMethod]
    public void MatMul()
    {
        int seed = 2300;
        (int[] A, int[] B)[] cases =
        [
            ([3, 4], [4, 5]),
            ([1, 7], [7, 1]),
            ([2, 3, 4], [2, 4, 5]),
            ([2, 1, 3, 4], [5, 4, 2]),
            ([3, 4], [6, 4, 2]),
            ([5, 0], [0, 3]),
        ];
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        {
            foreach (var (a, b) in cases)
            {
                var g = Build([T(dtype, a), T(dtype, b)], xs => [Ir.MatMul(xs[0], xs[1])]);
                Check(g, seed++, $"matmul {dtype} {Shape.Format(a)} @ {Shape.Format(b)}");
            }
            // Transposed operands are read through strides, without a copy.
            var t = Build([T(dtype, 4, 3), T(dtype, 5, 4)], xs => [Ir.MatMul(Ir.TransposeLast2(xs[0]), Ir.TransposeLast2(xs[1]))]);
            Check(t, seed++, $"matmul {dtype} of transposes");
            Assert.HasCount(1, CompileFast(t).Program.Kernels);
        }
        // A fused operand is materialised; the product feeds a fused consumer.
        var f = Build([T(DType.Float64, 3, 4), T(DType.Float64, 4, 2)], xs => [Ir.Tanh(Ir.MatMul(Ir.Exp(xs[0]), xs[1]))]);
        Check(f, seed, "matmul fused", crossCheckSystem: true);
    }
}
