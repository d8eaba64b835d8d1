using Tracer.Compiler;
using static Tracer.Compiler.Ir;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>
/// The batching table: every gradient case (float64) plus cases for the other dtypes (f32, i32, bool), the
/// non-differentiable primitives, and gather/scatter_add with the indices as (batchable) inputs.
/// </summary>
internal static class BatchCases
{
    private static BatchCase Case(string name, OpCode op, TensorType[] inputs, Func<Node[], Node> build) => new(name, op, inputs, build);

    private static BatchCase FromGradient(GradCase c) =>
        new BatchCase(c.Name, c.Op, Array.ConvertAll(c.Shapes, s => F64(s)), c.Build) { Sample = c.Sample };

    /// <summary>Floats in [-1.5, 1.5) except input <paramref name="index"/>, indices in [0, <paramref name="size"/>).</summary>
    private static Func<Random, int, double> IndicesAt(int index, int size) =>
        (r, k) => k == index ? r.Next(size) : 3 * r.NextDouble() - 1.5;

    private static IEnumerable<BatchCase> Comparisons()
    {
        foreach (var op in new[] { OpCode.Eq, OpCode.Ne, OpCode.Lt, OpCode.Le, OpCode.Gt, OpCode.Ge })
        {
            yield return Case($"{op.Name()} f64 [2,3] with [3]", op, [F64(2, 3), F64(3)], xs => Binary(op, xs[0], xs[1]));
            yield return Case($"{op.Name()} i32 [3,1] with [4]", op, [I32(3, 1), I32(4)], xs => Binary(op, xs[0], xs[1]));
        }
        yield return Case("eq bool [2,3] with []", OpCode.Eq, [B(2, 3), B()], xs => Eq(xs[0], xs[1]));
    }

    private static IEnumerable<BatchCase> Integers()
    {
        foreach (var op in new[] { OpCode.Neg, OpCode.Abs, OpCode.Sign })
            yield return Case($"{op.Name()} i32", op, [I32(2, 3)], xs => Unary(op, xs[0]));
        foreach (var op in new[] { OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div, OpCode.Max, OpCode.Min })
            yield return Case($"{op.Name()} i32 [2,1,3] with [2,1]", op, [I32(2, 1, 3), I32(2, 1)], xs => Binary(op, xs[0], xs[1]));
        foreach (var op in new[] { OpCode.ReduceSum, OpCode.ReduceMax, OpCode.ReduceMin, OpCode.ReduceProd })
            yield return Case($"{op.Name()} i32 (0,2)", op, [I32(2, 3, 2)], xs => Reduce(op, xs[0], [0, 2]));
    }

    public static readonly BatchCase[] All =
    [
        .. GradientCases.All.Select(FromGradient),
        .. Comparisons(),
        .. Integers(),
        // more elementwise (ops-elem family)
        .. SpecialCases.Batch,
        .. BitwiseCases.Batch(),   // bitwise and logical family (jitergo)

        // float32
        Case("sin f32", OpCode.Sin, [F32(2, 3)], xs => Sin(xs[0])),
        Case("exp f32 []", OpCode.Exp, [F32()], xs => Exp(xs[0])),
        Case("add f32 [3,1] with [4]", OpCode.Add, [F32(3, 1), F32(4)], xs => Add(xs[0], xs[1])),
        Case("pow f32 [2,3] with []", OpCode.Pow, [F32(2, 3), F32()], xs => Pow(xs[0], xs[1])) with { Sample = (r, k) => k == 0 ? 0.5 + r.NextDouble() : r.NextDouble() },
        Case("max f32 [] with [2,2]", OpCode.Max, [F32(), F32(2, 2)], xs => Max(xs[0], xs[1])),
        Case("reduce_max f32 (1)", OpCode.ReduceMax, [F32(2, 3, 4)], xs => ReduceMax(xs[0], 1)),
        Case("matmul f32 [2,3] @ [3,4]", OpCode.MatMul, [F32(2, 3), F32(3, 4)], xs => MatMul(xs[0], xs[1])),
        Case("matmul i32 [2,2,3] @ [3,2]", OpCode.MatMul, [I32(2, 2, 3), I32(3, 2)], xs => MatMul(xs[0], xs[1])),
        Case("matmul f64 [3,2] @ [2,2,4]", OpCode.MatMul, [F64(3, 2), F64(2, 2, 4)], xs => MatMul(xs[0], xs[1])),

        // select, casts, stop_gradient
        Case("select bool [2,3], f64 [3], f64 []", OpCode.Select, [B(2, 3), F64(3), F64()], xs => Select(xs[0], xs[1], xs[2])),
        Case("select bool [], i32 [2,2], i32 [2,1]", OpCode.Select, [B(), I32(2, 2), I32(2, 1)], xs => Select(xs[0], xs[1], xs[2])),
        Case("convert_element_type f32 -> i32", OpCode.Cast, [F32(2, 3)], xs => Cast(xs[0], DType.Int32)),
        Case("convert_element_type f64 -> bool", OpCode.Cast, [F64(3)], xs => Cast(xs[0], DType.Bool)),
        Case("convert_element_type bool -> f32", OpCode.Cast, [B(2, 2)], xs => Cast(xs[0], DType.Float32)),
        Case("convert_element_type i32 -> f64", OpCode.Cast, [I32(4)], xs => Cast(xs[0], DType.Float64)),
        Case("stop_gradient f64", OpCode.StopGradient, [F64(2, 3)], xs => StopGradient(xs[0])),
        Case("stop_gradient i32 []", OpCode.StopGradient, [I32()], xs => StopGradient(xs[0])),
        Case("optimization_barrier f64", OpCode.OptimizationBarrier, [F64(2, 3)], xs => OptimizationBarrier(xs[0])),

        // structural ops on other dtypes
        Case("reshape bool [2,3] -> [3,1,2]", OpCode.Reshape, [B(2, 3)], xs => Reshape(xs[0], new Shape(3, 1, 2))),
        Case("reshape i32 [] -> [1,1]", OpCode.Reshape, [I32()], xs => Reshape(xs[0], new Shape(1, 1))),
        Case("transpose i32 (1,0)", OpCode.Transpose, [I32(2, 3)], xs => Transpose(xs[0], 1, 0)),
        Case("broadcast_in_dim bool [3] -> [2,3]", OpCode.Broadcast, [B(3)], xs => Broadcast(xs[0], new Shape(2, 3))),
        Case("broadcast_in_dim i32 [2,1] -> [3,2,4]", OpCode.Broadcast, [I32(2, 1)], xs => Broadcast(xs[0], new Shape(3, 2, 4))),
        Case("slice i32", OpCode.Slice, [I32(3, 4)], xs => Slice(xs[0], [1, 1], [3, 3])),
        Case("pad f32", OpCode.Pad, [F32(2, 2)], xs => Pad(xs[0], [0, 1], [2, 0])),
        Case("concatenate bool axis 0", OpCode.Concat, [B(1, 3), B(2, 3)], xs => Concat(0, xs)),
        Case("concatenate i32 axis 1 three operands", OpCode.Concat, [I32(2, 1), I32(2, 2), I32(2, 3)], xs => Concat(1, xs)),

        // gather and scatter_add with the indices as inputs: every combination of batched operand and indices
        Case("gather [3,4] with indices [2] axis 1", OpCode.Gather, [F64(3, 4), I32(2)], xs => Gather(xs[0], xs[1], 1)) with { Sample = IndicesAt(1, 4) },
        Case("gather [4] with indices [2,2] axis 0", OpCode.Gather, [F64(4), I32(2, 2)], xs => Gather(xs[0], xs[1], 0)) with { Sample = IndicesAt(1, 4) },
        Case("gather [2,3,4] with a scalar index axis 1", OpCode.Gather, [F64(2, 3, 4), I32()], xs => Gather(xs[0], xs[1], 1)) with { Sample = IndicesAt(1, 3) },
        Case("gather [2,5,3] with indices [2,3] axis 1", OpCode.Gather, [F64(2, 5, 3), I32(2, 3)], xs => Gather(xs[0], xs[1], 1)) with { Sample = IndicesAt(1, 5) },
        Case("gather i32 [3,2] with indices [4] axis 0", OpCode.Gather, [I32(3, 2), I32(4)], xs => Gather(xs[0], xs[1], 0)) with { Sample = IndicesAt(1, 3) },
        Case("gather [2,4] with indices [3] axis 1 (last)", OpCode.Gather, [F32(2, 4), I32(3)], xs => Gather(xs[0], xs[1], 1)) with { Sample = IndicesAt(1, 4) },
        Case("scatter_add [3,2,2] with indices [2,2] axis 1 into [3,4]", OpCode.ScatterAdd, [F64(3, 2, 2), I32(2, 2)],
            xs => ScatterAdd(xs[0], xs[1], 1, new Shape(3, 4))) with { Sample = IndicesAt(1, 4) },
        Case("scatter_add [3] with indices [3] axis 0 into [2]", OpCode.ScatterAdd, [F64(3), I32(3)],
            xs => ScatterAdd(xs[0], xs[1], 0, new Shape(2))) with { Sample = IndicesAt(1, 2) },
        Case("scatter_add i32 [2,3,2] with indices [3] axis 1 into [2,4,2]", OpCode.ScatterAdd, [I32(2, 3, 2), I32(3)],
            xs => ScatterAdd(xs[0], xs[1], 1, new Shape(2, 4, 2))) with { Sample = (r, k) => k == 1 ? r.Next(4) : r.Next(-5, 6) },
        Case("scatter_add [] with a scalar index axis 0 into [3]", OpCode.ScatterAdd, [F64(), I32()],
            xs => ScatterAdd(xs[0], xs[1], 0, new Shape(3))) with { Sample = IndicesAt(1, 3) },
        Case("scatter_add [2,2,2,2] with indices [2,2] axis 2 into [2,2,3]", OpCode.ScatterAdd, [F64(2, 2, 2, 2), I32(2, 2)],
            xs => ScatterAdd(xs[0], xs[1], 2, new Shape(2, 2, 3))) with { Sample = IndicesAt(1, 3) },
        // batch dimensions (what vmap makes of a gather whose operand and indices are both batched), batched again
        Case("gather [2,4,3] batch_dims 1 with indices [2,5] axis 1", OpCode.Gather, [F64(2, 4, 3), I32(2, 5)],
            xs => Gather(xs[0], xs[1], 1, 1)) with { Sample = IndicesAt(1, 4) },
        Case("gather [2,3,4] batch_dims 1 with indices [2] axis 2", OpCode.Gather, [F64(2, 3, 4), I32(2)],
            xs => Gather(xs[0], xs[1], 2, 1)) with { Sample = IndicesAt(1, 4) },
        Case("scatter_add [2,5,3] batch_dims 1 with indices [2,5] axis 1 into [2,4,3]", OpCode.ScatterAdd, [F64(2, 5, 3), I32(2, 5)],
            xs => ScatterAdd(xs[0], xs[1], 1, new Shape(2, 4, 3), 1)) with { Sample = IndicesAt(1, 4) },

        .. SequenceCases.Batches,   // ops-shape family: cumsum, argsort
    ];
}
