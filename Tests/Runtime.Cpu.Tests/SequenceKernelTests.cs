using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// cumsum and argsort (host kernels) against the reference interpreter: every axis and direction, f32, f64 and i32,
/// operands that are views or fused expressions, values with ties, NaN and signed zeros, and lines long enough for
/// the parallel two-pass prefix sum.
/// </summary>
[TestClass]
public sealed class SequenceKernelTests
{
    private static readonly DType[] Numeric = [DType.Float32, DType.Float64, DType.Int32];

    [TestMethod]
    public void CumSumEveryAxisAndDirection()
    {
        int[] shape = [3, 4, 5];
        foreach (var dtype in Numeric)
        {
            for (int axis = 0; axis < 3; axis++)
            {
                foreach (bool reverse in new[] { false, true })
                {
                    var g = Build(T(dtype, shape), x => Ir.CumSum(x, axis, reverse));
                    Check(g, 3000 + axis, $"cumsum {dtype.ShortName()} axis {axis} reverse {reverse}", lo: -20, hi: 20, crossCheckSystem: axis == 0);
                }
            }
        }
    }

    [TestMethod]
    public void CumSumOfAViewAndIntoAFusedConsumer()
    {
        // The operand is a transpose of a fused expression (materialised first); the result feeds an elementwise op.
        var g = Build(T(DType.Float32, 6, 9), x => Ir.Mul(Ir.CumSum(Ir.Transpose(Ir.Sin(x), 1, 0), 1, true), Ir.Lit(2, DType.Float32)));
        Check(g, 3100, "cumsum of transposed sin, times 2");
        // A wide inner axis: the vectorised row-by-row path, with a scalar tail.
        var h = Build(T(DType.Float32, 4, 37), x => Ir.CumSum(x, 0));
        Check(h, 3101, "cumsum along a non-innermost axis with a 37-wide row");
    }

    [TestMethod]
    public void CumSumOfLongLinesSplitsAcrossThreadsAndStaysAccurate()
    {
        // 2^20 entries: the two-pass blocked scan. f32 accumulates in f64, so the result is the f64 prefix sum rounded.
        const int n = 1 << 20;
        var rng = new Random(3200);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)rng.NextDouble();
        // Eight threads whatever this machine has: the blocks are then eight whatever the core count.
        var eight = new Tracer.Runtime.Cpu.CpuBackend(new Tracer.Runtime.Cpu.CpuBackendOptions { MaxThreads = 8 });
        foreach (bool reverse in new[] { false, true })
        {
            var g = Build(T(DType.Float32, n), v => Ir.CumSum(v, 0, reverse));
            var y = (float[])eight.Compile(g).Run([x])[0];
            double acc = 0;
            for (int k = 0; k < n; k++)
            {
                int i = reverse ? n - 1 - k : k;
                acc += x[i];
                Assert.AreEqual((float)acc, y[i], Math.Abs(acc) * 1e-7, $"reverse {reverse}: element {i}");
            }
        }
    }

    [TestMethod]
    public void CumSumOfInt32Wraps()
    {
        var g = Build(T(DType.Int32, 3), x => Ir.CumSum(x, 0));
        Check(g, [new[] { int.MaxValue, 1, 5 }], "i32 cumsum wraps");
        CollectionAssert.AreEqual(new[] { int.MaxValue, int.MinValue, int.MinValue + 5 }, (int[])CompileFast(g).Run([new[] { int.MaxValue, 1, 5 }])[0]);
    }

    [TestMethod]
    public void ArgSortEveryAxisAndDirectionWithTies()
    {
        int[] shape = [4, 5, 6];
        foreach (var dtype in Numeric)
        {
            for (int axis = 0; axis < 3; axis++)
            {
                foreach (bool descending in new[] { false, true })
                {
                    var g = Build(T(dtype, shape), x => Ir.ArgSort(x, axis, descending));
                    // Integers in [-3, 3] (and floats drawn there, then rounded by the i32 path): many ties.
                    var rng = new Random(3300 + axis);
                    var input = Random(rng, T(DType.Int32, shape), -3, 3);
                    Array typed = dtype switch
                    {
                        DType.Float32 => Array.ConvertAll((int[])input, v => (float)v),
                        DType.Float64 => Array.ConvertAll((int[])input, v => (double)v),
                        _ => input,
                    };
                    Check(g, [typed], $"argsort {dtype.ShortName()} axis {axis} descending {descending}");
                }
            }
        }
    }

    [TestMethod]
    public void ArgSortOfLongLinesUsesTheRadixSortAndStaysStable()
    {
        // Lines of 700 and 3000 entries (over the radix threshold) with many ties, NaN, infinities and both zeros,
        // along the last axis and a middle one, both directions, every key width.
        var rng = new Random(3500);
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-300, -1e30];
        foreach (var (shape, axis) in new[] { (new[] { 2, 700 }, 1), (new[] { 3, 3000 }, 1), (new[] { 2, 600, 3 }, 1) })
        {
            int size = shape.Aggregate(1, (a, b) => a * b);
            var values = new double[size];
            for (int i = 0; i < size; i++)
                values[i] = rng.Next(10) == 0 ? specials[rng.Next(specials.Length)] : rng.Next(-50, 50) * 0.25;
            foreach (var dtype in Numeric)
            {
                Array typed = dtype switch
                {
                    DType.Float32 => Array.ConvertAll(values, v => (float)v),
                    DType.Float64 => values,
                    _ => Array.ConvertAll(values, v => double.IsFinite(v) ? (int)(v * 4) : v > 0 ? int.MaxValue : int.MinValue),
                };
                foreach (bool descending in new[] { false, true })
                {
                    var g = Build(T(dtype, shape), x => Ir.ArgSort(x, axis, descending));
                    Check(g, [typed], $"argsort {dtype.ShortName()} {Shape.Format(shape)} axis {axis} descending {descending}");
                }
            }
        }
    }

    [TestMethod]
    public void ArgSortPutsNaNLastAndKeepsSignedZerosInOrder()
    {
        // NaN of either sign sorts above +inf; -0 and +0 are equal, so they keep their order.
        float negativeNaN = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00000));
        var values = new[] { 3f, float.NaN, 1f, 3f, -0f, 0f, float.NegativeInfinity, negativeNaN, float.PositiveInfinity };
        foreach (bool descending in new[] { false, true })
        {
            var g = Build(T(DType.Float32, values.Length), x => Ir.ArgSort(x, 0, descending));
            Check(g, [values], $"argsort with NaN, descending {descending}");
            int[] expected = descending ? [1, 7, 8, 0, 3, 2, 4, 5, 6] : [6, 4, 5, 2, 0, 3, 8, 1, 7];
            CollectionAssert.AreEqual(expected, (int[])CompileFast(g).Run([values])[0], $"descending {descending}");
        }
        var doubles = Array.ConvertAll(values, v => (double)v);
        var h = Build(T(DType.Float64, doubles.Length), x => Ir.ArgSort(x, 0));
        Check(h, [doubles], "argsort f64 with NaN");
    }

    [TestMethod]
    public void ArgSortOfAFusedOperandAndEmptyLines()
    {
        var g = Build(T(DType.Float64, 7, 3), x => Ir.ArgSort(Ir.Mul(x, x), 0));
        Check(g, 3400, "argsort of x*x along axis 0");
        var empty = Build(T(DType.Float32, 3, 0), x => Ir.ArgSort(x, 1));
        Check(empty, 3401, "argsort of empty lines");
        var emptyScan = Build(T(DType.Float32, 0, 4), x => Ir.CumSum(x, 0));
        Check(emptyScan, 3402, "cumsum of an empty axis");
    }
}
