using Tracer.Compiler;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The extra elementwise primitives compiled by the CPU backend against the reference interpreter, in f32 and f64:
/// every op over odd shapes and strided views, broadcasting for the binary ones, the vector forms (floor, ceil,
/// round, trunc, erf) at every tail length on each vector width, and special values (NaN, infinities, signed
/// zeros, halves).
/// </summary>
[TestClass]
public sealed class SpecialElementwiseTests
{
    private static readonly int[][] Shapes = [[], [7], [3, 5], [2, 3, 17]];

    private static readonly DType[] Floats = [DType.Float32, DType.Float64];

    [TestMethod]
    [DataRow(OpCode.Asin, -0.99, 0.99)]
    [DataRow(OpCode.Acos, -0.99, 0.99)]
    [DataRow(OpCode.Atan, -5, 5)]
    [DataRow(OpCode.Sinh, -5, 5)]
    [DataRow(OpCode.Cosh, -5, 5)]
    [DataRow(OpCode.Asinh, -5, 5)]
    [DataRow(OpCode.Acosh, 1, 6)]
    [DataRow(OpCode.Atanh, -0.99, 0.99)]
    [DataRow(OpCode.Erf, -4, 4)]
    [DataRow(OpCode.Erfc, -3, 8)]
    [DataRow(OpCode.Lgamma, -4, 30)]
    [DataRow(OpCode.Floor, -4, 4)]
    [DataRow(OpCode.Ceil, -4, 4)]
    [DataRow(OpCode.Round, -4, 4)]
    [DataRow(OpCode.Trunc, -4, 4)]
    public void Unary(OpCode op, double lo, double hi)
    {
        int seed = 500 + (int)op * 20;
        foreach (var dtype in Floats)
        {
            foreach (var shape in Shapes)
            {
                var g = Build(T(dtype, shape), x => Ir.Unary(op, x));
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()}{Shape.Format(shape)}", lo, hi, crossCheckSystem: true);
            }
            var gt = Build(T(dtype, 3, 4, 5), x => Ir.Unary(op, Ir.Transpose(x, 2, 0, 1)));
            Check(gt, seed++, $"{op.Name()} {dtype.ShortName()} of a transpose", lo, hi);
            var gs = Build(T(dtype, 5, 6), x => Ir.Unary(op, Ir.Slice(x, [1, 2], [4, 5])));
            Check(gs, seed++, $"{op.Name()} {dtype.ShortName()} of a slice", lo, hi);
        }
    }

    private static readonly (int[] A, int[] B)[] BroadcastPairs = [([7], [7]), ([3, 1], [4]), ([], [5]), ([4, 1, 3], [5, 1]), ([2, 33], [2, 33])];

    [TestMethod]
    [DataRow(OpCode.Atan2, -3, 3, false)]
    [DataRow(OpCode.Mod, -7, 7, true)]
    public void Binary(OpCode op, double lo, double hi, bool int32)
    {
        DType[] dtypes = int32 ? [.. Floats, DType.Int32] : Floats;
        int seed = 900 + (int)op * 20;
        foreach (var dtype in dtypes)
        {
            foreach (var (sa, sb) in BroadcastPairs)
            {
                var g = Build([T(dtype, sa), T(dtype, sb)], xs => [Ir.Binary(op, xs[0], xs[1])]);
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()}{Shape.Format(sa)} {Shape.Format(sb)}", lo, hi, crossCheckSystem: true);
            }
            var gl = Build(T(dtype, 2, 5), x => Ir.Binary(op, x, Ir.Lit(3, dtype)));
            Check(gl, seed++, $"{op.Name()} {dtype.ShortName()} with a literal", lo, hi);
        }
    }

    [TestMethod]
    public void ModEdgeCases()
    {
        var f = Build([T(DType.Float64, 8), T(DType.Float64, 8)], xs => [Ir.Mod(xs[0], xs[1])]);
        Check(f, [new[] { 5.5, -5.5, 5.5, -0.0, 3, double.PositiveInfinity, -1, double.NaN }, new[] { 2, 2, -2, 5, 0, 2, double.PositiveInfinity, 1 }], "f64 mod");
        var i = Build([T(DType.Int32, 6), T(DType.Int32, 6)], xs => [Ir.Mod(xs[0], xs[1])]);
        Check(i, [new[] { 7, -7, 7, int.MinValue, 5, int.MinValue }, new[] { 3, 3, -3, -1, 0, 7 }], "i32 mod");
    }

    [TestMethod]
    public void Polygamma()
    {
        int seed = 1300;
        foreach (var dtype in Floats)
        {
            foreach (int n in new[] { 0, 1, 2, 3 })
            {
                var g = Build(T(dtype, 4, 9), x => Ir.Polygamma(Ir.Lit(n, dtype), x));
                Check(g, seed++, $"polygamma n={n} {dtype.ShortName()}", -3.5, 12, crossCheckSystem: true);
            }
            var gb = Build([T(dtype, 3, 1), T(dtype, 5)], xs => [Ir.Polygamma(xs[0], xs[1])]);
            Check(gb, [dtype == DType.Float32 ? new float[] { 0, 1, 2 } : new double[] { 0, 1, 2 },
                dtype == DType.Float32 ? new float[] { 0.3f, 1, 2.5f, -0.5f, 9 } : new double[] { 0.3, 1, 2.5, -0.5, 9 }], $"polygamma broadcast orders {dtype.ShortName()}");
        }
    }

    // ---- vector forms -----------------------------------------------------------------------------------------

    private static readonly (string Name, CpuBackend Backend)[] Backends =
    [
        ("v512", new(new CpuBackendOptions { Vectors = VectorIsa.V512, WideTranscendentals = true, MaxThreads = 1, MinVectors = 1 })),
        ("v256 2 threads", new(new CpuBackendOptions { Vectors = VectorIsa.V256, MaxThreads = 2, ParallelThreshold = 1, MinVectors = 1 })),
        ("scalar", new(new CpuBackendOptions { Vectors = VectorIsa.None, MaxThreads = 1 })),
    ];

    private static void CheckAll(Graph g, Array[] inputs, string what, bool vectorized)
    {
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        foreach (var (name, backend) in Backends)
        {
            var exe = (CpuExecutable)backend.Compile(g);
            Compare(expected, exe.Run(inputs), $"{what} [{name}]", exe);
            if (vectorized && name.StartsWith('v'))
                Assert.IsTrue(exe.Vectorized.Contains(true), $"{what}: expected vector code\n{exe.Describe()}");
        }
    }

    [TestMethod]
    [DataRow(OpCode.Floor)]
    [DataRow(OpCode.Ceil)]
    [DataRow(OpCode.Round)]
    [DataRow(OpCode.Trunc)]
    [DataRow(OpCode.Erf)]
    public void VectorFormsAtEveryTailLength(OpCode op)
    {
        int seed = 1700 + (int)op;
        foreach (var dtype in Floats)
        {
            foreach (int n in new[] { 1, 7, 8, 15, 16, 17, 33, 257 })
            {
                var g = Build(T(dtype, n), x => Ir.Unary(op, x));
                var rng = new Random(seed++);
                CheckAll(g, [Harness.Random(rng, g.Inputs[0].Type, -4, 4)], $"{op.Name()} {dtype.ShortName()}[{n}]", vectorized: n >= 16);
            }
        }
    }

    [TestMethod]
    [DataRow(OpCode.Floor)]
    [DataRow(OpCode.Ceil)]
    [DataRow(OpCode.Round)]
    [DataRow(OpCode.Trunc)]
    [DataRow(OpCode.Erf)]
    public void VectorFormsOnSpecialValues(OpCode op)
    {
        double[] values =
        [
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-30, -1e-7, 0.5, -0.5, 1.5, -1.5,
            2.5, -2.5, 0.49999997, 0.99, 1, -1, 1.01, 3.9, -3.9, 6, -27, 1e7 + 0.5, 8388609, -1e20, 0.3,
        ];
        foreach (var dtype in Floats)
        {
            var g = Build(T(dtype, values.Length), x => Ir.Unary(op, x));
            Array input = dtype == DType.Float32 ? Array.ConvertAll(values, v => (float)v) : (double[])values.Clone();
            CheckAll(g, [input], $"{op.Name()} {dtype.ShortName()} special values", vectorized: true);
        }
    }

    [TestMethod]
    public void ErfInAFusedVectorChain()
    {
        // A Gaussian CDF over a broadcast mean: 0.5 (1 + erf((x - mu) / (sigma sqrt 2))), one vectorised kernel.
        foreach (var dtype in Floats)
        {
            var g = Build([T(dtype, 4, 37), T(dtype, 37)], xs =>
            {
                var z = Ir.Div(Ir.Sub(xs[0], xs[1]), Ir.Lit(1.5 * Math.Sqrt(2), dtype));
                return [Ir.Mul(Ir.Lit(0.5, dtype), Ir.Add(Ir.Lit(1, dtype), Ir.Erf(Ir.Floor(Ir.Mul(z, Ir.Lit(8, dtype))) / Ir.Lit(8, dtype))))];
            });
            var rng = new Random(77);
            CheckAll(g, [Harness.Random(rng, g.Inputs[0].Type, -5, 5), Harness.Random(rng, g.Inputs[1].Type, -1, 1)], $"erf chain {dtype.ShortName()}", vectorized: true);
        }
    }
}
