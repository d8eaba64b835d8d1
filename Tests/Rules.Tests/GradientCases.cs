using Tracer.Compiler;
using static Tracer.Compiler.Ir;

namespace Tracer.Tests;

/// <summary>
/// The gradient-check table: at least one case per differentiable primitive, with broadcasting variants for every
/// broadcasting op, inputs drawn inside each op's domain and away from kinks and ties.
/// </summary>
internal static class GradientCases
{
    private static readonly int[] S23 = [2, 3];

    // Samplers: (rng, input index) -> value.
    private static double Uniform(Random r, double lo, double hi) => lo + (hi - lo) * r.NextDouble();

    /// <summary>|x| in [0.2, 1.5] with a random sign: away from the kink of abs/sign and the pole of div.</summary>
    private static double AwayFromZero(Random r) => (r.Next(2) == 0 ? -1 : 1) * Uniform(r, 0.2, 1.5);

    /// <summary>No two values (within and across inputs) closer than 1e-2: no ties for max/min.</summary>
    private static bool Distinct(double[][] xs)
    {
        var all = xs.SelectMany(x => x).Order().ToArray();
        for (int i = 1; i < all.Length; i++)
        {
            if (all[i] - all[i - 1] < 1e-2) return false;
        }
        return true;
    }

    private static GradCase Unary(OpCode op, Func<Random, double>? sample = null) =>
        new(op.Name(), op, [S23], xs => Ir.Unary(op, xs[0])) { Sample = sample is null ? (r, _) => Uniform(r, -1.5, 1.5) : (r, _) => sample(r) };

    private static IEnumerable<GradCase> Binary(OpCode op, Func<Random, int, double>? sample = null, Func<double[][], bool>? accept = null)
    {
        (string, int[], int[])[] shapes =
        [
            ("", S23, S23),
            (" [3,1] with [4]", [3, 1], [4]),
            (" [] with [2,3]", [], S23),
            (" [2,1,3] with [2,1]", [2, 1, 3], [2, 1]),
            RandomBroadcastPair(op),
        ];
        foreach (var (suffix, a, b) in shapes)
        {
            var c = new GradCase(op.Name() + suffix, op, [a, b], xs => Ir.Binary(op, xs[0], xs[1]));
            if (sample is not null) c = c with { Sample = sample };
            if (accept is not null) c = c with { Accept = accept };
            yield return c;
        }
    }

    /// <summary>
    /// A seeded random pair of broadcast-compatible shapes (result rank 2 or 3, dims 2 or 3): each operand takes
    /// every axis of the result shape at full size or as 1, and may drop a leading axis.
    /// </summary>
    private static (string, int[], int[]) RandomBroadcastPair(OpCode op)
    {
        var r = new Random(1000 + (int)op);
        var full = new int[r.Next(2, 4)];
        for (int i = 0; i < full.Length; i++) full[i] = r.Next(2, 4);
        int[] Operand()
        {
            var dims = full[r.Next(0, 2)..];
            for (int i = 0; i < dims.Length; i++) dims[i] = r.Next(3) == 0 ? 1 : dims[i];
            return dims;
        }
        int[] a = Operand(), b = Operand();
        return ($" random {new Shape(a)} with {new Shape(b)}", a, b);
    }

    private static Node IndexConstant(int[] data, params int[] dims) => B.Constant(data, new Shape(dims));

    public static readonly GradCase[] All =
    [
        Unary(OpCode.Neg),
        Unary(OpCode.Abs, AwayFromZero),
        Unary(OpCode.Sign, AwayFromZero),
        Unary(OpCode.Exp),
        Unary(OpCode.Log, r => Uniform(r, 0.3, 2)),
        Unary(OpCode.Log1p, r => Uniform(r, -0.5, 2)),
        Unary(OpCode.Expm1),
        Unary(OpCode.Sqrt, r => Uniform(r, 0.3, 2)),
        Unary(OpCode.Rsqrt, r => Uniform(r, 0.3, 2)),
        Unary(OpCode.Sin),
        Unary(OpCode.Cos),
        Unary(OpCode.Tan, r => Uniform(r, -1, 1)),
        Unary(OpCode.Tanh),
        Unary(OpCode.Logistic, r => Uniform(r, -3, 3)),

        .. Binary(OpCode.Add),
        .. Binary(OpCode.Sub),
        .. Binary(OpCode.Mul),
        .. Binary(OpCode.Div, (r, k) => k == 0 ? Uniform(r, -1.5, 1.5) : AwayFromZero(r)),
        .. Binary(OpCode.Pow, (r, k) => k == 0 ? Uniform(r, 0.5, 2) : Uniform(r, -1.5, 1.5)),
        .. Binary(OpCode.Max, accept: Distinct),
        .. Binary(OpCode.Min, accept: Distinct),

        new("select [3,4] mask, [3,1] and [4]", OpCode.Select, [[3, 1], [4]],
            xs => Select(B.Constant(new[] { true, false, false, true, false, true, true, false, true, true, false, false }, new Shape(3, 4)), xs[0], xs[1])),
        new("select same shapes", OpCode.Select, [S23, S23],
            xs => Select(Gt(B.Constant(new[] { 1.0, -1, 1, -1, -1, 1 }, new Shape(2, 3)), Lit(0, DType.Float64)), xs[0], xs[1])),
        new("convert_element_type f64 -> f32 -> f64", OpCode.Cast, [S23], xs => Cast(Cast(xs[0], DType.Float32), DType.Float64))
        {
            Step = 1e-2, Tolerance = 1e-4,
        },

        new("optimization_barrier", OpCode.OptimizationBarrier, [S23], xs => Sin(OptimizationBarrier(xs[0]))),

        new("reduce_sum (1)", OpCode.ReduceSum, [[2, 3, 4]], xs => ReduceSum(xs[0], 1)),
        new("reduce_sum (0,2)", OpCode.ReduceSum, [[2, 3, 4]], xs => ReduceSum(xs[0], 0, 2)),
        new("reduce_max (1)", OpCode.ReduceMax, [[2, 3, 4]], xs => ReduceMax(xs[0], 1)) { Accept = Distinct },
        new("reduce_max (0,1,2)", OpCode.ReduceMax, [[2, 3]], xs => ReduceMax(xs[0], 0, 1)) { Accept = Distinct },
        new("reduce_min (0,2)", OpCode.ReduceMin, [[2, 3, 4]], xs => ReduceMin(xs[0], 0, 2)) { Accept = Distinct },
        new("reduce_prod (1)", OpCode.ReduceProd, [[2, 3, 2]], xs => ReduceProd(xs[0], 1)) { Sample = (r, _) => AwayFromZero(r) },
        new("reduce_prod (0,1)", OpCode.ReduceProd, [S23], xs => ReduceProd(xs[0], 0, 1)) { Sample = (r, _) => AwayFromZero(r) },

        new("reshape [2,3] -> [3,2]", OpCode.Reshape, [S23], xs => Reshape(xs[0], new Shape(3, 2))),
        new("reshape [2,3,1] -> [6]", OpCode.Reshape, [[2, 3, 1]], xs => Reshape(xs[0], new Shape(6))),
        new("transpose (2,0,1)", OpCode.Transpose, [[2, 3, 4]], xs => Transpose(xs[0], 2, 0, 1)),
        new("broadcast_in_dim [3,1] -> [2,3,4]", OpCode.Broadcast, [[3, 1]], xs => Broadcast(xs[0], new Shape(2, 3, 4))),
        new("broadcast_in_dim [] -> [2,2]", OpCode.Broadcast, [[]], xs => Broadcast(xs[0], new Shape(2, 2))),
        new("slice", OpCode.Slice, [[4, 5]], xs => Slice(xs[0], [1, 0], [3, 4])),
        new("pad", OpCode.Pad, [S23], xs => Pad(xs[0], [1, 0], [0, 2])),
        new("concatenate axis 1", OpCode.Concat, [[2, 1], S23, [2, 2]], xs => Concat(1, xs)),
        new("concatenate axis 0", OpCode.Concat, [S23, [1, 3]], xs => Concat(0, xs)),
        new("gather axis 1 with duplicates", OpCode.Gather, [[3, 4]], xs => Gather(xs[0], IndexConstant([2, 0, 2, 3], 2, 2), 1)),
        new("gather axis 0 scalar index", OpCode.Gather, [[3, 4]], xs => Gather(xs[0], IndexConstant([1]), 0)),
        new("scatter_add axis 1 with duplicates", OpCode.ScatterAdd, [[3, 2, 2]],
            xs => ScatterAdd(xs[0], IndexConstant([2, 0, 2, 3], 2, 2), 1, new Shape(3, 4))),
        new("scatter_add axis 0", OpCode.ScatterAdd, [[3, 2]], xs => ScatterAdd(xs[0], IndexConstant([1, 1, 0], 3), 0, new Shape(2, 2))),
        new("gather batch_dims 1", OpCode.Gather, [[2, 3, 4]], xs => Gather(xs[0], IndexConstant([2, 0, 1, 1], 2, 2), 1, 1)),
        new("scatter_add batch_dims 1", OpCode.ScatterAdd, [[2, 2, 4]],
            xs => ScatterAdd(xs[0], IndexConstant([2, 0, 1, 1], 2, 2), 1, new Shape(2, 3, 4), 1)),

        new("matmul [2,3] @ [3,4]", OpCode.MatMul, [S23, [3, 4]], xs => MatMul(xs[0], xs[1])),
        new("matmul [2,1,2,3] @ [3,3,2] (batch broadcast)", OpCode.MatMul, [[2, 1, 2, 3], [3, 3, 2]], xs => MatMul(xs[0], xs[1])),
        new("matmul [1,2,3] @ [2,3,2]", OpCode.MatMul, [[1, 2, 3], [2, 3, 2]], xs => MatMul(xs[0], xs[1])),

        .. LinalgCases.All,
        // more elementwise (ops-elem family)
        .. SpecialCases.Gradient,
        .. ConvCases.All,   // conv family
        .. PoolCases.All,   // max pooling (conv helper)
        .. SequenceCases.Gradients,   // ops-shape family: cumsum
    ];
}
