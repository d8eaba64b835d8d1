using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// Random programs mixing every kind of op (fused chains, shared values, views, reductions, matmul, gather,
/// scatter, pad, concat) against the interpreter: catches interactions that one-op tests cannot.
/// </summary>
[TestClass]
public sealed class RandomGraphTests
{
    private const int Rows = 4, Cols = 5;

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    [DataRow(6)]
    [DataRow(7)]
    [DataRow(8)]
    public void RandomProgram(int seed)
    {
        var rng = new Random(seed);
        const DType F = DType.Float64;
        var g = Build([T(F, Rows, Cols), T(F, Cols), T(F, Cols, Cols), T(DType.Int32, 6)], xs =>
        {
            // Every pool value has shape [Rows, Cols]; values may be reused (several consumers).
            var pool = new List<Node> { xs[0], Ir.Add(xs[0], Ir.Broadcast(xs[1], new Shape(Rows, Cols))) };
            Node Pick() => pool[rng.Next(pool.Count)];
            for (int step = 0; step < 40; step++)
            {
                Node a = Pick(), b = Pick();
                Node v = rng.Next(11) switch
                {
                    0 => Ir.Tanh(Ir.Add(a, b)),
                    1 => Ir.Sin(Ir.Mul(a, Ir.Broadcast(xs[1], new Shape(Rows, Cols)))),
                    2 => Ir.Transpose(Ir.Cos(Ir.Transpose(a, 1, 0)), 1, 0),
                    3 => Ir.Broadcast(Ir.Reshape(Ir.ReduceSum(a, 1), new Shape(Rows, 1)), new Shape(Rows, Cols)),
                    4 => Ir.Broadcast(Ir.ReduceMax(Ir.Exp(a), 0), new Shape(Rows, Cols)),
                    5 => Ir.Tanh(Ir.MatMul(a, xs[2])),
                    6 => Ir.Pad(Ir.Slice(a, [1, 0], [Rows, Cols - 2]), [0, 1], [1, 1]),
                    7 => Ir.Concat(1, Ir.Slice(b, [0, 2], [Rows, Cols]), Ir.Logistic(Ir.Slice(a, [0, 0], [Rows, 2]))),
                    8 => Ir.Tanh(Ir.ScatterAdd(Ir.Gather(a, xs[3], 0), xs[3], 0, new Shape(Rows, Cols))),
                    9 => Ir.Select(Ir.Gt(a, b), Ir.Neg(a), Ir.Mul(b, b)),
                    _ => Ir.Reshape(Ir.Transpose(Ir.Reshape(a, new Shape(2, 2, Cols)), 1, 0, 2), new Shape(Rows, Cols)),
                };
                pool.Add(v);
            }
            return [pool[^1], pool[^2], Ir.ReduceSum(pool[^3], 0, 1)];
        });
        var inputs = new Array[] { Random(rng, T(F, Rows, Cols)), Random(rng, T(F, Cols)), Random(rng, T(F, Cols, Cols), -0.5, 0.5), new[] { 0, 3, 3, 1, 2, 0 } };
        Check(g, inputs, $"random program {seed}", crossCheckSystem: seed <= 2);
    }
}
