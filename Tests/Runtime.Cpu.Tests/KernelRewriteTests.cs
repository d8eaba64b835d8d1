using System.Runtime.Intrinsics;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The cheaper forms the CPU backend substitutes (sin/cos pairs as one SinCos, x·1 as x, the rational f32 tanh)
/// and the reuse of a call's buffer table: each checked against the reference interpreter and for its effect.
/// </summary>
[TestClass]
public sealed class KernelRewriteTests
{
    private static readonly DType[] Floats = [DType.Float32, DType.Float64];

    private static Array[] Inputs(Graph g, int seed, double lo, double hi)
    {
        var rng = new Random(seed);
        var inputs = new Array[g.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Harness.Random(rng, g.Inputs[i].Type, lo, hi);
        return inputs;
    }

    private static CpuExecutable CheckOn(CpuBackend backend, Graph g, Array[] inputs, string what)
    {
        var exe = (CpuExecutable)backend.Compile(g);
        Compare(Interpreter.Run(RuleTable.Default, g, inputs), exe.Run(inputs), what, exe);
        return exe;
    }

    [TestMethod]
    public void SinAndCosOfOneArgumentAreOneSinCos()
    {
        foreach (var isa in new[] { VectorIsa.V256, VectorIsa.V512 })
        {
            var backend = new CpuBackend(new CpuBackendOptions { Vectors = isa, WideTranscendentals = true, MaxThreads = 1, MinVectors = 1 });
            foreach (var dtype in Floats)
            {
                foreach (int n in new[] { 16, 33, 1001 })
                {
                    // Argument a load, and argument a shared node (x·x feeds both and the output).
                    var direct = Build(T(dtype, n), x => Ir.Add(Ir.Mul(Ir.Sin(x), x), Ir.Cos(x)));
                    var exe = CheckOn(backend, direct, Inputs(direct, n, -20, 20), $"sin/cos of x {isa} {dtype.ShortName()}[{n}]");
                    StringAssert.Contains(exe.Describe(), "SinCos(");
                    var shared = Build(T(dtype, n), x =>
                    {
                        var y = Ir.Mul(x, x);
                        return Ir.Sub(Ir.Mul(Ir.Cos(y), y), Ir.Sin(y));
                    });
                    exe = CheckOn(backend, shared, Inputs(shared, n + 1, -4, 4), $"sin/cos of x·x {isa} {dtype.ShortName()}[{n}]");
                    StringAssert.Contains(exe.Describe(), "SinCos(");
                }
                // Different arguments do not pair.
                var apart = Build([T(dtype, 40), T(dtype, 40)], xs => [Ir.Add(Ir.Sin(xs[0]), Ir.Cos(xs[1]))]);
                var separate = CheckOn(backend, apart, Inputs(apart, 5, -5, 5), $"sin(a) + cos(b) {isa} {dtype.ShortName()}");
                Assert.DoesNotContain("SinCos(", separate.Describe());
            }
        }
    }

    [TestMethod]
    public void TailsThatCannotRunAreLeftOut()
    {
        // 32 f32 elements are whole vectors at both widths: no scalar tail. 3 elements: no vector loop. 37: both.
        foreach (var (n, vector, tail) in new[] { (32, true, false), (3, false, true), (37, true, true) })
        {
            var g = Build(T(DType.Float32, n), x => Ir.Exp(x));
            foreach (var isa in new[] { VectorIsa.V256, VectorIsa.V512 })
            {
                var backend = new CpuBackend(new CpuBackendOptions { Vectors = isa, WideTranscendentals = true, MaxThreads = 2, ParallelThreshold = 1, MinVectors = 1 });
                var exe = CheckOn(backend, g, Inputs(g, n, -3, 3), $"exp f32[{n}] {isa}");
                string code = exe.Describe();
                Assert.AreEqual(vector, code.Contains("Simd"), $"vector loop [{n}] {isa}\n{code}");
                Assert.AreEqual(tail, code.Contains("MathF.Exp"), $"scalar tail [{n}] {isa}\n{code}");
                Assert.AreEqual(vector, exe.Vectorized[0]);
            }
        }
    }

    /// <summary>
    /// Regression: an f32 sum accumulated in f64 lanes widened its vector body twice, so the body (an exp here) ran
    /// twice per vector; softmax paid two extra exps per element.
    /// </summary>
    [TestMethod]
    public void AWidenedF32SumComputesItsBodyOncePerVector()
    {
        var g = Build(T(DType.Float32, 8, 64), x => Ir.ReduceSum(Ir.Exp(x), 1));
        foreach (var isa in new[] { VectorIsa.V256, VectorIsa.V512 })
        {
            var exe = CheckOn(new CpuBackend(new CpuBackendOptions { Vectors = isa, WideTranscendentals = true, MaxThreads = 1, MinVectors = 1 }), g, Inputs(g, 5, -3, 3), $"row sums of exp {isa}");
            string code = exe.Describe();
            int exps = code.Split(".Exp(").Length - 1 - (code.Split("MathF.Exp(").Length - 1);
            Assert.AreEqual(1, exps, $"one vector exp per step {isa}\n{code}");
        }
    }

    [TestMethod]
    public void TinyLoopsStayScalarByDefault()
    {
        // By default a loop must run 4 whole vectors to be vectorised: 16 f32 elements stay scalar (less for the JIT
        // to compile), 1001 are vectorised.
        foreach (var (n, vector) in new[] { (16, false), (1001, true) })
        {
            var g = Build(T(DType.Float32, n), x => Ir.Sin(x));
            var exe = CheckOn(new CpuBackend(new CpuBackendOptions { Vectors = VectorIsa.V256 }), g, Inputs(g, n, -3, 3), $"sin f32[{n}]");
            Assert.AreEqual(vector, exe.Vectorized[0], exe.Describe());
        }
        // Short rows of a big kernel (a bias added to 1000 rows of 16) are still vectorised.
        var rows = Build([T(DType.Float32, 1000, 16), T(DType.Float32, 16)], xs => [Ir.Tanh(Ir.Add(xs[0], Ir.Broadcast(xs[1], new Shape(1000, 16))))]);
        var wide = CheckOn(new CpuBackend(new CpuBackendOptions { Vectors = VectorIsa.V256 }), rows, Inputs(rows, 4, -3, 3), "tanh(x + b) over [1000, 16]");
        Assert.IsTrue(wide.Vectorized[0], wide.Describe());
    }

    [TestMethod]
    public void TranscendentalLoopsUse256BitVectorsUnlessAskedForWide()
    {
        // 512-bit exp/sin/tanh measured 1.2-3x slower per element than 256-bit on Zen 4; arithmetic keeps 512 bits.
        var g = Build([T(DType.Float32, 4096), T(DType.Float32, 4096)], xs => [Ir.Tanh(xs[0]), Ir.Mul(xs[0], xs[1])]);
        var exe = CheckOn(new CpuBackend(new CpuBackendOptions { Vectors = VectorIsa.V256 }), g, Inputs(g, 4, -3, 3), "tanh and mul");
        var loops = exe.Program.Kernels.OfType<LoopKernel>().ToArray();
        var tanh = loops.Single(k => k.Body.ToString()!.Contains("tanh"));
        var mul = loops.Single(k => !k.Body.ToString()!.Contains("tanh"));
        Assert.AreEqual(VectorIsa.V256, VectorCodegen.WidthFor(tanh, VectorIsa.V512, wideTranscendentals: false));
        Assert.AreEqual(VectorIsa.V512, VectorCodegen.WidthFor(tanh, VectorIsa.V512, wideTranscendentals: true));
        Assert.AreEqual(VectorIsa.V512, VectorCodegen.WidthFor(mul, VectorIsa.V512, wideTranscendentals: false));
        Assert.AreEqual(VectorIsa.V256, VectorCodegen.WidthFor(tanh, VectorIsa.V256, wideTranscendentals: true));
    }

    [TestMethod]
    public void ConsecutiveKernelsShareOneMethod()
    {
        // Each step reduces and broadcasts back, so every step is its own kernel; with at most k kernels per method
        // the run is ceil(kernels / k) methods, and the results do not depend on the grouping.
        var g = Build(T(DType.Float64, 5, 7), x =>
        {
            var y = x;
            for (int i = 0; i < 6; i++) y = Ir.Sub(Ir.Tanh(y), Ir.Broadcast(Ir.ReduceSum(y, 0, 1), new Shape(5, 7)));
            return y;
        });
        var inputs = Inputs(g, 9, -1, 1);
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        foreach (int k in new[] { 1, 2, 32 })
        {
            var exe = (CpuExecutable)new CpuBackend(new CpuBackendOptions { KernelsPerMethod = k, MaxThreads = 1 }).Compile(g);
            Compare(expected, exe.Run(inputs), $"{k} kernels per method", exe);
            int kernels = exe.Program.Kernels.Count;
            Assert.IsGreaterThan(5, kernels, exe.Program.ToString());
            var methods = new HashSet<string>();
            foreach (var line in exe.Describe().Split('\n'))
            {
                int at = line.IndexOf("(method ", StringComparison.Ordinal);
                if (line.StartsWith("// k", StringComparison.Ordinal) && at >= 0) methods.Add(line[at..]);
            }
            Assert.HasCount((kernels + k - 1) / k, methods, exe.Describe());
        }
    }

    [TestMethod]
    public void TimesOneIsDroppedAndKeepsSpecialValues()
    {
        foreach (var dtype in Floats)
        {
            var g = Build(T(dtype, 9), x => Ir.Mul(Ir.Full(new Shape(9), 1, dtype), Ir.Mul(x, Ir.Lit(1, dtype))));
            double[] values = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, 1e-30, -3, 1e30, 5];
            Array input = dtype == DType.Float32 ? Array.ConvertAll(values, v => (float)v) : values;
            var exe = CheckOn(Fast, g, [input], $"x·1 {dtype.ShortName()}");
            Assert.DoesNotContain("mul(", exe.Program.ToString(), exe.Program.ToString());
            var result = exe.Run([input])[0];
            for (int i = 0; i < values.Length; i++)
            {
                double got = Convert.ToDouble(result.GetValue(i));
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(Convert.ToDouble(input.GetValue(i))), BitConverter.DoubleToInt64Bits(got), $"element {i}");
            }
        }
    }

    [TestMethod]
    public void RationalF32TanhIsWithinFiveUlpAndSaturates()
    {
        double worst = 0;
        for (double x = -12; x <= 12; x += 1e-4)
        {
            float xf = (float)x;
            double exact = Math.Tanh(xf);
            foreach (float got in new[] { Simd256.Tanh(Vector256.Create(xf)).GetElement(0), Simd512.Tanh(Vector512.Create(xf)).GetElement(0) })
            {
                double rel = Math.Abs(got - exact) / Math.Max(Math.Abs(exact), 1e-38);
                worst = Math.Max(worst, rel);
            }
        }
        Assert.IsLessThan(5 * 6e-8, worst, $"worst relative error {worst:E3}");
        foreach (float x in new[] { 7.9054f, 8f, 20f, 1e30f, float.PositiveInfinity })
        {
            Assert.AreEqual(1f, Simd256.Tanh(Vector256.Create(x)).GetElement(0), $"tanh({x})");
            Assert.AreEqual(-1f, Simd256.Tanh(Vector256.Create(-x)).GetElement(0), $"tanh({-x})");
        }
        Assert.IsTrue(float.IsNaN(Simd256.Tanh(Vector256.Create(float.NaN)).GetElement(0)), "tanh(NaN)");
        Assert.IsTrue(float.IsNegative(Simd256.Tanh(Vector256.Create(-0f)).GetElement(0)), "tanh(-0) keeps the sign");
        Assert.AreEqual(1e-30f, Simd256.Tanh(Vector256.Create(1e-30f)).GetElement(0), 1e-36f, "tanh(x) = x near 0");
    }

    [TestMethod]
    public void F32SinCosIsWithinTwoUlpEverywhere()
    {
        // Random points over the reduced-argument range (|x| ≤ 8192), dense points near 0, and the BCL fallback above.
        var rng = new System.Random(11);
        double worstSin = 0, worstCos = 0;
        for (int i = 0; i < 200_000; i++)
        {
            float x = i % 3 == 0 ? (float)((rng.NextDouble() * 2 - 1) * 8192) : i % 3 == 1 ? (float)((rng.NextDouble() * 2 - 1) * 7) : (float)((rng.NextDouble() * 2 - 1) * 1e5);
            foreach (var (s, c) in new[] { Pair(Simd256.SinCos(Vector256.Create(x))), Pair(Simd512.SinCos(Vector512.Create(x))) })
            {
                worstSin = Math.Max(worstSin, Math.Abs(s - Math.Sin(x)));
                worstCos = Math.Max(worstCos, Math.Abs(c - Math.Cos(x)));
            }
            Assert.AreEqual(Simd256.SinCos(Vector256.Create(x)).Sin.GetElement(0), Simd256.Sin(Vector256.Create(x)).GetElement(0));
            Assert.AreEqual(Simd256.SinCos(Vector256.Create(x)).Cos.GetElement(0), Simd256.Cos(Vector256.Create(x)).GetElement(0));
        }
        Assert.IsLessThan(2 * 6e-8, worstSin, $"sin: worst absolute error {worstSin:E3}");
        Assert.IsLessThan(2 * 6e-8, worstCos, $"cos: worst absolute error {worstCos:E3}");
        Assert.IsTrue(float.IsNegative(Simd256.Sin(Vector256.Create(-0f)).GetElement(0)), "sin(-0) = -0");
        Assert.AreEqual(1e-30f, Simd256.Sin(Vector256.Create(1e-30f)).GetElement(0));
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var (s, c) = Pair(Simd256.SinCos(Vector256.Create(bad)));
            Assert.IsTrue(double.IsNaN(s) && double.IsNaN(c), $"sincos({bad})");
        }
        // One large lane sends the whole vector to the exact path; the small lanes must not suffer.
        var mixed = Vector256.Create(0.5f, 1e6f, -2f, 3f, 4f, 5f, 6f, 7f);
        var (ms, mc) = Simd256.SinCos(mixed);
        for (int i = 0; i < 8; i++)
        {
            Assert.AreEqual(Math.Sin(mixed.GetElement(i)), ms.GetElement(i), 1.2e-7);
            Assert.AreEqual(Math.Cos(mixed.GetElement(i)), mc.GetElement(i), 1.2e-7);
        }
    }

    private static (double Sin, double Cos) Pair((Vector256<float> Sin, Vector256<float> Cos) v) => (v.Sin.GetElement(0), v.Cos.GetElement(0));

    private static (double Sin, double Cos) Pair((Vector512<float> Sin, Vector512<float> Cos) v) => (v.Sin.GetElement(0), v.Cos.GetElement(0));

    [TestMethod]
    public void OnlyKernelsThatStoreEveryElementOverwriteTheirOutput()
    {
        // Such outputs are allocated without zeroing; everything else (partial writes, accumulation) must keep zeros.
        var x = T(DType.Float32, 5, 7);
        var cases = new (string What, Graph G, bool Overwrites)[]
        {
            ("elementwise", Build(x, a => Ir.Exp(a)), true),
            ("transposed store", Build(x, a => Ir.Transpose(Ir.Exp(a), 1, 0)), true),
            ("row sums (register reduction)", Build(x, a => Ir.ReduceSum(Ir.Exp(a), 1)), true),
            ("f32 column sums (accumulated in an f64 temporary, then stored)", Build(x, a => Ir.ReduceSum(Ir.Exp(a), 0)), true),
            ("f64 column sums (accumulated in the output after a zero fill)", Build(T(DType.Float64, 5, 7), a => Ir.ReduceSum(Ir.Exp(a), 0)), false),
            ("pad", Build(x, a => Ir.Pad(Ir.Exp(a), [1, 0], [0, 2])), false),
            ("concat", Build([x, x], a => [Ir.Concat(0, Ir.Exp(a[0]), Ir.Sin(a[1]))]), false),
            ("matmul", Build([x, T(DType.Float32, 7, 3)], a => [Ir.MatMul(a[0], a[1])]), true),
        };
        foreach (var (what, g, overwrites) in cases)
        {
            var exe = CompileFast(g);
            var p = exe.Program;
            int output = p.Outputs[0];
            var first = p.Kernels.First(k => k.Output == output);
            bool zeroFill = first is LoopKernel { Body: ConstExpr { Value: 0 } };
            Assert.AreEqual(overwrites, first.OverwritesOutput(p.Buffers[output].Length) && !zeroFill, $"{what}\n{p}");
            // Many calls with garbage-filled memory around: results stay right.
            var inputs = Inputs(g, 3, -2, 2);
            var expected = Interpreter.Run(RuleTable.Default, g, inputs);
            for (int call = 0; call < 50; call++)
            {
                var junk = GC.AllocateUninitializedArray<double>(4096);
                Array.Fill(junk, double.NaN);
                Compare(expected, exe.Run(inputs), $"{what}, call {call}", exe);
            }
        }
    }

    [TestMethod]
    public void ReusedBufferTablesGiveFreshResults()
    {
        // Temporaries live in a table reused from call to call: accumulating kernels (a scatter-add into a zero-filled
        // temporary, a sum over a non-innermost axis) must not see the previous call's values.
        foreach (var dtype in Floats)
        {
            var g = Build([T(dtype, 6, 33), T(DType.Int32, 10)], xs =>
            {
                var e = Ir.Exp(xs[0]);
                var cols = Ir.ReduceSum(Ir.Mul(e, e), 0);
                var rows = Ir.ReduceSum(Ir.Tanh(xs[0]), 1);
                var picked = Ir.Gather(Ir.Add(cols, Ir.Lit(1, dtype)), xs[1], 0);
                var scattered = Ir.ScatterAdd(picked, xs[1], 0, new Shape(33));
                return [Ir.Mul(scattered, Ir.Lit(2, dtype)), rows];
            });
            var exe = CompileFast(g);
            for (int call = 0; call < 4; call++)
            {
                var inputs = Inputs(g, 40 + call, -2, 2);
                var picks = new Random(call);
                inputs[1] = Array.ConvertAll(new int[10], _ => picks.Next(33));
                Compare(Interpreter.Run(RuleTable.Default, g, inputs), exe.Run(inputs), $"call {call} {dtype.ShortName()}", exe);
            }
        }
    }

    [TestMethod]
    public void OutputsCanBeWrittenIntoACallersTable()
    {
        var g = Build([T(DType.Float64, 3, 4), T(DType.Float64, 4)], xs => [Ir.Exp(xs[0]), Ir.ReduceSum(xs[0], 1), Ir.Add(xs[1], xs[1])]);
        var inputs = Inputs(g, 5, -1, 1);
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        var storages = Array.ConvertAll(inputs, a => (Storage)new HostStorage(a));
        var interpreter = new Interpreter(RuleTable.Default, Device.Cpu);
        foreach (IExecutable exe in new IExecutable[] { CompileFast(g), interpreter.Compile(Pipeline.Lower(g, new PipelineOptions(interpreter))) })
        {
            var table = new Storage[3];
            exe.Run(storages, table);
            Compare(expected, Array.ConvertAll(table, s => ((HostStorage)s).Data), exe.GetType().Name);
            exe.Run(storages, table);
            Compare(expected, Array.ConvertAll(table, s => ((HostStorage)s).Data), exe.GetType().Name + ", second call into the same table");
        }
        Assert.Throws<ArgumentException>(() => CompileFast(g).Run(inputs, new Array[2]));
    }

    [TestMethod]
    public void OverlappingCallsOnManyThreadsAgree()
    {
        var g = Build(T(DType.Float32, 4, 257), x => Ir.ReduceSum(Ir.Mul(Ir.Sin(x), Ir.Exp(Ir.Neg(x))), 0));
        var exe = CompileFast(g);
        var inputs = new Array[16][];
        var expected = new Array[16][];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = Inputs(g, 70 + i, -3, 3);
            expected[i] = Interpreter.Run(RuleTable.Default, g, inputs[i]);
        }
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            Compare(expected[i % 16], exe.Run(inputs[i % 16]), $"call {i}", exe));
    }
}
