using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>Views (reshape, transpose, broadcast, slice) and the data movers (pad, concat), in every dtype.</summary>
[TestClass]
public sealed class ShapeTests
{
    private static readonly DType[] All = [DType.Float32, DType.Float64, DType.Int32, DType.Bool];

    [TestMethod]
    public void Reshape()
    {
        int seed = 1000;
        foreach (var dtype in All)
        {
            Check(Build(T(dtype, 2, 3, 4), x => Ir.Reshape(x, new Shape(6, 4))), seed++, $"reshape {dtype}");
            Check(Build(T(dtype, 2, 3, 4), x => Ir.Reshape(x, new Shape(4, 1, 6))), seed++, $"reshape split {dtype}");
            Check(Build(T(dtype, 5), x => Ir.Reshape(x, new Shape(1, 5, 1))), seed++, $"reshape unit axes {dtype}");
            // A reshape that merges axes of a transpose cannot be a view: the lowering materialises first.
            Check(Build(T(dtype, 3, 4), x => Ir.Reshape(Ir.Transpose(x, 1, 0), new Shape(12))), seed++, $"reshape of transpose {dtype}");
            // One that splits a transposed axis can.
            Check(Build(T(dtype, 6, 5), x => Ir.Reshape(Ir.Transpose(x, 1, 0), new Shape(5, 2, 3))), seed++, $"split of transpose {dtype}");
        }
        // Reshape of a fused expression, then a reduction.
        Check(Build(T(DType.Float64, 4, 6), x => Ir.ReduceSum(Ir.Reshape(Ir.Exp(x), new Shape(4, 2, 3)), 2)), seed, "reshape fused");
    }

    [TestMethod]
    public void Transpose()
    {
        int seed = 1100;
        int[][] perms = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1], [0, 2, 1]];
        foreach (var dtype in All)
        {
            foreach (var perm in perms)
                Check(Build(T(dtype, 2, 3, 5), x => Ir.Transpose(x, perm)), seed++, $"transpose {dtype} ({string.Join(",", perm)})");
            // Double transpose and transpose of a fused value.
            Check(Build(T(dtype, 3, 4), x => Ir.Transpose(Ir.Transpose(x, 1, 0), 1, 0)), seed++, $"transpose twice {dtype}");
        }
        Check(Build(T(DType.Float32, 3, 7), x => Ir.Transpose(Ir.Tanh(x), 1, 0)), seed, "transpose fused");
    }

    [TestMethod]
    public void Broadcast()
    {
        int seed = 1200;
        (int[] From, int[] To)[] cases = [([], [3, 2]), ([3, 1], [3, 4]), ([4], [2, 3, 4]), ([1, 5], [2, 5]), ([2, 1, 3], [2, 4, 3])];
        foreach (var dtype in All)
        {
            foreach (var (from, to) in cases)
                Check(Build(T(dtype, from), x => Ir.Broadcast(x, new Shape(to))), seed++, $"broadcast {dtype} {Shape.Format(from)}->{Shape.Format(to)}");
        }
        // Broadcast of a fused value is materialised once, then broadcast.
        Check(Build(T(DType.Float64, 3, 1), x => Ir.Broadcast(Ir.Exp(x), new Shape(2, 3, 4))), seed, "broadcast fused");
    }

    [TestMethod]
    public void Slice()
    {
        int seed = 1300;
        foreach (var dtype in All)
        {
            Check(Build(T(dtype, 5, 7), x => Ir.Slice(x, [1, 2], [4, 7])), seed++, $"slice {dtype}");
            Check(Build(T(dtype, 5, 7), x => Ir.Slice(x, [0, 3], [5, 4])), seed++, $"slice column {dtype}");
            Check(Build(T(dtype, 2, 3, 4), x => Ir.Slice(Ir.Transpose(x, 2, 0, 1), [1, 0, 1], [3, 2, 3])), seed++, $"slice of transpose {dtype}");
            Check(Build(T(dtype, 6), x => Ir.Slice(x, [2], [2])), seed++, $"empty slice {dtype}");
        }
    }

    [TestMethod]
    public void Pad()
    {
        int seed = 1400;
        foreach (var dtype in All)
        {
            Check(Build(T(dtype, 3, 4), x => Ir.Pad(x, [1, 0], [2, 3])), seed++, $"pad {dtype}");
            Check(Build(T(dtype, 5), x => Ir.Pad(x, [0], [0])), seed++, $"pad nothing {dtype}");
            Check(Build(T(dtype, 2, 3), x => Ir.Pad(Ir.Transpose(x, 1, 0), [2, 1], [0, 1])), seed++, $"pad of transpose {dtype}");
        }
        Check(Build(T(DType.Float32, 3, 3), x => Ir.Pad(Ir.Sin(x), [1, 1], [1, 1])), seed, "pad fused");
    }

    [TestMethod]
    public void Concat()
    {
        int seed = 1500;
        foreach (var dtype in All)
        {
            for (int axis = 0; axis < 3; axis++)
            {
                var s1 = new[] { 2, 3, 4 };
                var s2 = (int[])s1.Clone();
                s2[axis] = 1;
                var s3 = (int[])s1.Clone();
                s3[axis] = 3;
                var g = Build([T(dtype, s1), T(dtype, s2), T(dtype, s3)], xs => [Ir.Concat(axis, xs)]);
                Check(g, seed++, $"concat {dtype} axis {axis}");
            }
            // Operands that are views and a literal broadcast.
            var h = Build([T(dtype, 4, 3)], xs =>
                [Ir.Concat(1, Ir.Transpose(xs[0], 1, 0), Ir.Full(new Shape(3, 2), 1, dtype), Ir.Slice(Ir.Transpose(xs[0], 1, 0), [0, 1], [3, 3]))]);
            Check(h, seed++, $"concat of views {dtype}");
        }
        var f = Build([T(DType.Float64, 3), T(DType.Float64, 2)], xs => [Ir.Concat(0, Ir.Exp(xs[0]), Ir.Neg(xs[1]))]);
        Check(f, seed, "concat of fused values");
    }
}
