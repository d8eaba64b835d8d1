using System.Runtime.Intrinsics;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The vectorised loops, the multi-threaded split and the blocked GEMM against the reference interpreter: lengths
/// around the vector width (tails), special values, broadcasting, transposed operands, both float dtypes, and each
/// code path forced on (AVX-512, 256-bit, scalar; 1 and 2 threads with a threshold that splits even small kernels).
/// </summary>
[TestClass]
public sealed class SimdTests
{
    private static readonly (string Name, CpuBackend Backend)[] Backends =
    [
        ("v512 1 thread", new(new CpuBackendOptions { Vectors = VectorIsa.V512, WideTranscendentals = true, MaxThreads = 1, MinVectors = 1 })),
        ("v512 2 threads", new(new CpuBackendOptions { Vectors = VectorIsa.V512, WideTranscendentals = true, MaxThreads = 2, ParallelThreshold = 1, MinVectors = 1 })),
        ("v256 2 threads", new(new CpuBackendOptions { Vectors = VectorIsa.V256, MaxThreads = 2, ParallelThreshold = 1, MinVectors = 1 })),
        ("scalar", new(new CpuBackendOptions { Vectors = VectorIsa.None, MaxThreads = 1 })),
    ];

    private static readonly int[] Lengths = [1, 7, 8, 15, 16, 17, 33, 257, 1001];

    private static readonly DType[] Floats = [DType.Float32, DType.Float64];

    /// <summary>Runs <paramref name="g"/> on every backend; <paramref name="vectorized"/>: some kernel must be vector code on v512.</summary>
    private static void CheckAll(Graph g, Array[] inputs, string what, bool vectorized = true)
    {
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        foreach (var (name, backend) in Backends)
        {
            var exe = (CpuExecutable)backend.Compile(g);
            Compare(expected, exe.Run(inputs), $"{what} [{name}]", exe);
            if (vectorized && name.StartsWith('v'))
                Assert.IsTrue(exe.Vectorized.Contains(true), $"{what}: expected vector code\n{exe.Describe()}\n{string.Join(",", exe.Vectorized)}");
        }
    }

    private static Array[] Inputs(Graph g, int seed, double lo, double hi)
    {
        var rng = new Random(seed);
        var inputs = new Array[g.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Harness.Random(rng, g.Inputs[i].Type, lo, hi);
        return inputs;
    }

    [TestMethod]
    [DataRow(OpCode.Neg, -3, 3)]
    [DataRow(OpCode.Abs, -3, 3)]
    [DataRow(OpCode.Sign, -3, 3)]
    [DataRow(OpCode.Exp, -20, 20)]
    [DataRow(OpCode.Log, 1e-3, 100)]
    [DataRow(OpCode.Sqrt, 0, 100)]
    [DataRow(OpCode.Rsqrt, 0.01, 100)]
    [DataRow(OpCode.Sin, -10, 10)]
    [DataRow(OpCode.Cos, -10, 10)]
    [DataRow(OpCode.Tanh, -0.3, 0.3)]
    [DataRow(OpCode.Tanh, -12, 12)]
    [DataRow(OpCode.Logistic, -30, 30)]
    public void UnaryAtEveryTailLength(OpCode op, double lo, double hi)
    {
        int seed = 0;
        foreach (var dtype in Floats)
        {
            foreach (int n in Lengths)
            {
                var g = Build(T(dtype, n), x => Ir.Unary(op, x));
                // Shorter than one 512-bit vector of f32, a loop may be scalar only.
                CheckAll(g, Inputs(g, seed++, lo, hi), $"{op.Name()} {dtype.ShortName()}[{n}]", vectorized: n >= 16);
            }
        }
    }

    [TestMethod]
    [DataRow(OpCode.Exp)]
    [DataRow(OpCode.Log)]
    [DataRow(OpCode.Sqrt)]
    [DataRow(OpCode.Sin)]
    [DataRow(OpCode.Cos)]
    [DataRow(OpCode.Tanh)]
    [DataRow(OpCode.Logistic)]
    [DataRow(OpCode.Sign)]
    [DataRow(OpCode.Abs)]
    public void SpecialValues(OpCode op)
    {
        double[] values =
        [
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-30, -1e-7, 1e-3, 0.0999, 0.1,
            0.1001, -0.5, 1, 2.5, -9, 20, -20, 44, 89, -100, 700, -745, 1e5, 3.14159, 1.5707963,
        ];
        foreach (var dtype in Floats)
        {
            var g = Build(T(dtype, values.Length), x => Ir.Unary(op, x));
            Array input = dtype == DType.Float32 ? Array.ConvertAll(values, v => (float)v) : (double[])values.Clone();
            CheckAll(g, [input], $"{op.Name()} {dtype.ShortName()} special values");
        }
    }

    [TestMethod]
    public void AFarLaneDoesNotChangeItsNeighboursSines()
    {
        // An f32 sine above 8192 takes the BCL's exact reduction. It used to take the whole vector with it, so a
        // lane's sine depended on which values shared its vector.
        var near = Vector256.Create(0.1f, 1.7f, -2.9f, 100.25f, 5000.5f, -0.75f, 3.0f, 8191f);
        var mixed = near.WithElement(3, 1e6f);
        var (s1, c1) = Simd256.SinCos(near);
        var (s2, c2) = Simd256.SinCos(mixed);
        for (int k = 0; k < 8; k++)
        {
            if (k == 3) continue;
            Assert.AreEqual(s1.GetElement(k), s2.GetElement(k), $"sin lane {k}");
            Assert.AreEqual(c1.GetElement(k), c2.GetElement(k), $"cos lane {k}");
        }
        Assert.AreEqual(Math.Sin(1e6), s2.GetElement(3), 1e-6, "the far lane itself");
        Assert.AreEqual(Math.Cos(1e6), c2.GetElement(3), 1e-6, "the far lane itself");
    }

    [TestMethod]
    public void FusedChainsWithBroadcastingAndSelect()
    {
        int seed = 100;
        foreach (var dtype in Floats)
        {
            foreach (var (a, b) in new (int[], int[])[] { ([5, 37], [37]), ([5, 37], [5, 1]), ([37], []), ([3, 4, 17], [4, 1]), ([1001], [1001]) })
            {
                var g = Build([T(dtype, a), T(dtype, b)], xs =>
                {
                    var t = Ir.Tanh(xs[0]);
                    var s = Ir.Sin(xs[1]);
                    var y = Ir.Add(Ir.Mul(t, s), Ir.Mul(xs[0], xs[0]));
                    var w = Ir.Select(Ir.Gt(xs[0], xs[1]), Ir.Max(y, xs[1]), Ir.Div(Ir.Sub(y, Ir.Lit(0.5, dtype)), Ir.Exp(xs[1])));
                    return [w];
                });
                CheckAll(g, Inputs(g, seed++, -2, 2), $"fused chain {dtype.ShortName()}{Shape.Format(a)} with {Shape.Format(b)}");
            }
        }
    }

    [TestMethod]
    public void ElementwiseGradientOfW1()
    {
        // d/dx sum(tanh(x) sin(x) + x^2) = (1 - tanh^2) sin + tanh cos + 2x, written out as the lowering sees it.
        foreach (var dtype in Floats)
        {
            foreach (int n in new[] { 1000, 4099 })
            {
                var g = Build(T(dtype, n), x =>
                {
                    var t = Ir.Tanh(x);
                    var one = Ir.Lit(1, dtype);
                    var d = Ir.Add(Ir.Add(Ir.Mul(Ir.Sub(one, Ir.Mul(t, t)), Ir.Sin(x)), Ir.Mul(t, Ir.Cos(x))), Ir.Mul(Ir.Lit(2, dtype), x));
                    return d;
                });
                CheckAll(g, Inputs(g, n, -4, 4), $"W1 gradient {dtype.ShortName()}[{n}]");
            }
        }
    }

    [TestMethod]
    public void TransposedAndSlicedOperandsFallBackCorrectly()
    {
        foreach (var dtype in Floats)
        {
            var g = Build([T(dtype, 33, 17), T(dtype, 17, 33)], xs => [Ir.Add(Ir.Tanh(Ir.Transpose(xs[0], 1, 0)), xs[1])]);
            CheckAll(g, Inputs(g, 7, -2, 2), $"tanh of a transpose {dtype.ShortName()}", vectorized: false);
            var s = Build(T(dtype, 9, 40), x => Ir.Exp(Ir.Slice(x, [1, 3], [8, 38])));
            CheckAll(s, Inputs(s, 8, -2, 2), $"exp of a slice {dtype.ShortName()}");
        }
    }

    [TestMethod]
    [DataRow(OpCode.ReduceSum)]
    [DataRow(OpCode.ReduceMax)]
    [DataRow(OpCode.ReduceMin)]
    public void Reductions(OpCode op)
    {
        int seed = 200;
        foreach (var dtype in Floats)
        {
            foreach (var (shape, axes) in new (int[], int[])[]
            {
                ([1001], [0]), ([16], [0]), ([3, 37], [1]), ([4, 5, 33], [1, 2]), ([2, 3, 129], [0, 2]), ([37, 19], [0]), ([5, 6, 7], [0, 1, 2]),
            })
            {
                var g = Build(T(dtype, shape), x => Ir.Reduce(op, Ir.Mul(Ir.Sin(x), x), axes));
                bool innermostReduced = Array.IndexOf(axes, shape.Length - 1) >= 0;
                CheckAll(g, Inputs(g, seed++, -3, 3), $"{op.Name()} {dtype.ShortName()}{Shape.Format(shape)} over ({string.Join(",", axes)})",
                    vectorized: innermostReduced || dtype == DType.Float64 || op != OpCode.ReduceSum);
            }
        }
    }

    [TestMethod]
    public void MaxAndMinPropagateNaN()
    {
        foreach (var dtype in Floats)
        {
            var values = new double[40];
            for (int i = 0; i < values.Length; i++) values[i] = i - 20;
            values[27] = double.NaN;
            Array input = dtype == DType.Float32 ? Array.ConvertAll(values, v => (float)v) : values;
            foreach (var op in new[] { OpCode.ReduceMax, OpCode.ReduceMin, OpCode.ReduceSum })
            {
                var g = Build(T(dtype, 40), x => Ir.Reduce(op, x, [0]));
                CheckAll(g, [input], $"{op.Name()} with NaN {dtype.ShortName()}");
            }
        }
    }

    [TestMethod]
    public void LongF32SumsStayAccurate()
    {
        // 1e6 values near 1: a naive f32 running sum is off by ~1e-3 relative; f64 lanes keep it near 1e-7.
        var g = Build(T(DType.Float32, 1_000_000), x => Ir.ReduceSum(x, 0));
        CheckAll(g, Inputs(g, 3, 0.9, 1.1), "sum of 1e6 f32");
    }

    [TestMethod]
    public void ColumnSumsRunOnVectors()
    {
        // Sums over leading axes (bias gradients): rows accumulate on vectors into the output (f64 lanes for f32),
        // at every tail length, with a fused body reading a broadcast operand, and over two leading axes.
        int seed = 700;
        foreach (var dtype in Floats)
        {
            foreach (int n in Lengths)
            {
                var g = Build([T(dtype, 9, n), T(dtype, n)], xs =>
                {
                    var t = Ir.Tanh(Ir.Add(xs[0], Ir.Broadcast(xs[1], new Shape(9, n))));
                    return [Ir.ReduceSum(Ir.Mul(xs[0], Ir.Sub(Ir.Lit(1, dtype), Ir.Mul(t, t))), 0)];
                });
                CheckAll(g, Inputs(g, seed++, -2, 2), $"column sum {dtype.ShortName()}[9,{n}]", vectorized: n >= 16);
                if (n < 8) continue;
                var exe = (CpuExecutable)Backends[2].Backend.Compile(g);
                for (int i = 0; i < exe.Program.Kernels.Count; i++)
                {
                    if (exe.Program.Kernels[i] is LoopKernel { Mode: WriteMode.Accumulate })
                        Assert.IsTrue(exe.Vectorized[i], $"the accumulating kernel is vector code\n{exe.Describe()}");
                }
            }
            var h = Build(T(dtype, 3, 5, 37), x => Ir.ReduceSum(Ir.Exp(x), 0, 1));
            CheckAll(h, Inputs(h, seed++, -2, 2), $"sum over two leading axes {dtype.ShortName()}");
        }
        // 20,000 rows of values near 1: the f64 lanes keep the f32 result at the reference's rounding.
        var big = Build(T(DType.Float32, 20_000, 19), x => Ir.ReduceSum(x, 0));
        CheckAll(big, Inputs(big, 3, 0.9, 1.1), "long f32 column sum");
    }

    [TestMethod]
    public void MatMulShapes()
    {
        (int[] A, int[] B)[] cases =
        [
            ([1, 1], [1, 1]), ([7, 13], [13, 5]), ([6, 32], [32, 32]), ([12, 16], [16, 64]), ([37, 300], [300, 70]),
            ([100, 400], [400, 65]), ([65, 800], [800, 33]), ([3, 7, 9], [3, 9, 11]), ([2, 1, 5, 6], [3, 6, 4]), ([1, 9], [9, 17]),
            ([17, 9], [9, 1]), ([4, 0], [0, 3]), ([2, 200, 150], [150, 97]),
        ];
        int seed = 300;
        foreach (var dtype in Floats)
        {
            foreach (var (a, b) in cases)
            {
                var g = Build([T(dtype, a), T(dtype, b)], xs => [Ir.MatMul(xs[0], xs[1])]);
                CheckAll(g, Inputs(g, seed++, -1, 1), $"matmul {dtype.ShortName()}{Shape.Format(a)} @ {Shape.Format(b)}", vectorized: false);
            }
            // Transposed operands (the MLP's backward products) and a transposed result feeding more work.
            var t = Build([T(dtype, 70, 45), T(dtype, 33, 70)], xs => [Ir.MatMul(Ir.TransposeLast2(xs[0]), Ir.TransposeLast2(xs[1]))]);
            CheckAll(t, Inputs(t, seed++, -1, 1), $"matmul of transposes {dtype.ShortName()}");
            var u = Build([T(dtype, 50, 60), T(dtype, 60, 40)], xs => [Ir.Tanh(Ir.TransposeLast2(Ir.MatMul(xs[0], xs[1])))]);
            CheckAll(u, Inputs(u, seed++, -1, 1), $"tanh of a transposed product {dtype.ShortName()}");
        }
    }

    [TestMethod]
    public void BigKernelsAreSplitAcrossThreads()
    {
        var backend = new CpuBackend(new CpuBackendOptions { MaxThreads = 2 });
        var g = Build(T(DType.Float32, 300_001), x => Ir.Tanh(Ir.Mul(x, x)));
        var exe = (CpuExecutable)backend.Compile(g);
        Assert.AreEqual(2, exe.Threads(0), exe.Describe());
        CheckAll(g, Inputs(g, 9, -2, 2), "tanh of 300001 elements");
        var small = (CpuExecutable)backend.Compile(Build(T(DType.Float32, 1000), x => Ir.Tanh(x)));
        Assert.AreEqual(1, small.Threads(0), "a small kernel stays on the caller's thread");
    }
}
