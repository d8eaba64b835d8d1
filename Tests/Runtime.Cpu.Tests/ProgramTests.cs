using Tracer.Runtime.Cpu;
using System.Diagnostics;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>Whole programs: fusion decisions, output handling, long chains, threads, printing, op coverage.</summary>
[TestClass]
public sealed class ProgramTests
{
    [TestMethod]
    public void ContiguousElementwiseChainIsOneFlatLoop()
    {
        var g = Build([T(DType.Float32, 3, 4, 5), T(DType.Float32, 3, 4, 5)],
            xs => [Ir.Tanh(Ir.Add(Ir.Mul(Ir.Exp(xs[0]), xs[1]), Ir.Lit(2, DType.Float32)))]);
        var exe = CompileFast(g);
        Assert.HasCount(1, exe.Program.Kernels);
        var k = (LoopKernel)exe.Program.Kernels[0];
        CollectionAssert.AreEqual(new[] { 60 }, k.Domain, exe.Program.ToString());
        Check(g, 1, "flat chain");
    }

    [TestMethod]
    public void BroadcastOperandKeepsOnlyTheAxesItNeeds()
    {
        var g = Build([T(DType.Float64, 6, 7), T(DType.Float64, 7)], xs => [Ir.Add(xs[0], xs[1])]);
        var k = (LoopKernel)CompileFast(g).Program.Kernels[0];
        CollectionAssert.AreEqual(new[] { 6, 7 }, k.Domain);
        Check(g, 2, "row broadcast");
    }

    [TestMethod]
    public void SharedValuesAreMaterialisedOnce()
    {
        // e = exp(x) has two consumers. Cheap shared values stay fused and are computed once per point inside the
        // kernel (2 kernels: the reduction, which fuses its producer, and the output); with MaxSharedOps = 0 the
        // shared value gets its own kernel (3).
        var g = Build(T(DType.Float64, 9), x =>
        {
            var e = Ir.Exp(x);
            return Ir.Add(Ir.Mul(e, e), Ir.Broadcast(Ir.ReduceSum(Ir.Sin(x), 0), new Shape(9)));
        });
        var exe = (CpuExecutable)new CpuBackend(new CpuBackendOptions { Vectors = VectorIsa.V256, MinVectors = 1 }).Compile(g);
        Assert.HasCount(2, exe.Program.Kernels, exe.Program.ToString());
        string code = exe.Describe();
        Assert.AreEqual(2, code.Split("Exp(").Length - 1, "exp once in the vector body and once in the scalar tail\n" + code);
        var strict = new CpuBackend(new CpuBackendOptions { Lowering = new LoweringOptions { MaxSharedOps = 0 } });
        var p = ((CpuExecutable)strict.Compile(g)).Program;
        Assert.HasCount(3, p.Kernels, p.ToString());
        Check(g, 3, "shared value");
    }

    [TestMethod]
    public void OutputsAreFreshArraysInEveryCase()
    {
        // An input, a literal, a repeated output, an output that is also used, and a view of an input.
        var g = Build([T(DType.Float32, 2, 3)], xs =>
        {
            var y = Ir.Sin(xs[0]);
            return [xs[0], Ir.Lit(4, DType.Float32), y, y, Ir.Cos(y), Ir.Transpose(xs[0], 1, 0)];
        });
        var input = new float[] { 1, 2, 3, 4, 5, 6 };
        Check(g, [input], "outputs");
        var outs = CompileFast(g).Run([input]);
        Assert.AreNotSame(input, outs[0]);
        Assert.AreNotSame(outs[2], outs[3]);
    }

    [TestMethod]
    public void DeadEquationsAreNotLowered()
    {
        var g = Build(T(DType.Float64, 4), x =>
        {
            _ = Ir.ReduceSum(Ir.Exp(x), 0);
            return Ir.Neg(x);
        });
        Assert.HasCount(1, CompileFast(g).Program.Kernels);
    }

    [TestMethod]
    public void MixedChainOf200OpsFusesIntoAFewKernels()
    {
        var rng = new Random(42);
        var g = Build([T(DType.Float64, 33), T(DType.Float64, 33)], xs =>
        {
            Node v = xs[0];
            for (int i = 0; i < 200; i++)
            {
                v = rng.Next(8) switch
                {
                    0 => Ir.Sin(v),
                    1 => Ir.Tanh(v),
                    2 => Ir.Mul(v, Ir.Lit(0.9, DType.Float64)),
                    3 => Ir.Add(v, xs[1]),
                    4 => Ir.Cos(v),
                    5 => Ir.Max(v, Ir.Lit(-0.5, DType.Float64)),
                    6 => Ir.Logistic(v),
                    _ => Ir.Sub(v, Ir.Mul(xs[1], Ir.Lit(0.1, DType.Float64))),
                };
            }
            return [v];
        });
        var p = CompileFast(g).Program;
        Assert.IsLessThanOrEqualTo(5, p.Kernels.Count, p.ToString());
        Check(g, 4, "200-op chain", crossCheckSystem: true);
    }

    [TestMethod]
    public void ChainOf20000OpsCompilesAndRuns()
    {
        var g = Build(T(DType.Float32, 16), x =>
        {
            Node v = x;
            for (int i = 0; i < 10000; i++) v = Ir.Mul(Ir.Sin(v), Ir.Lit(1.01, DType.Float32));
            return v;
        });
        Assert.HasCount(20001, g.Equations, "sin and mul per step, plus one literal");
        var sw = Stopwatch.StartNew();
        var exe = CompileFast(g);
        sw.Stop();
        Assert.IsLessThan(20000 / 32, exe.Program.Kernels.Count);
        Assert.IsLessThanOrEqualTo(2, MemoryPlan.Create(exe.Program).SlotLengths.Count);
        Check(g, 5, "20,000-op chain");
        Console.WriteLine($"20,000 ops: {exe.Program.Kernels.Count} kernels, compiled in {sw.ElapsedMilliseconds} ms");
    }

    [TestMethod]
    public void TemporariesShareSlotsAndReusedSlotsAreZeroedAgain()
    {
        // Each scatter_add target is zeroed; from the third one on, it reuses the slot of an earlier one.
        var g = Build([T(DType.Float64, 3, 2), T(DType.Int32, 5)], xs =>
        {
            Node v = xs[0];
            for (int i = 0; i < 6; i++) v = Ir.ScatterAdd(Ir.Sin(Ir.Gather(v, xs[1], 0)), xs[1], 0, new Shape(3, 2));
            return [v];
        });
        var exe = CompileFast(g);
        var plan = MemoryPlan.Create(exe.Program);
        Assert.IsLessThanOrEqualTo(2, plan.SlotLengths.Count, exe.Describe());
        Check(g, [new double[] { 1, 2, 3, 4, 5, 6 }, new[] { 2, 0, 2, 1, 2 }], "reused scatter targets");
    }

    [TestMethod]
    public void SixteenThreadsShareOneExecutable()
    {
        var g = Build([T(DType.Float64, 5, 7), T(DType.Float64, 7, 3)],
            xs => [Ir.ReduceSum(Ir.Tanh(Ir.MatMul(xs[0], xs[1])), 1), Ir.Exp(xs[0])]);
        var exe = CompileFast(g);
        var inputs = new Array[16][];
        var expected = new Array[16][];
        for (int t = 0; t < 16; t++)
        {
            var rng = new Random(t);
            inputs[t] = [Random(rng, T(DType.Float64, 5, 7)), Random(rng, T(DType.Float64, 7, 3))];
            expected[t] = Interpreter.Run(RuleTable.Default, g, inputs[t]);
        }
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = new Thread[16];
        for (int t = 0; t < 16; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    for (int rep = 0; rep < 200; rep++) Compare(expected[id], exe.Run(inputs[id]), $"thread {id}");
                }
                catch (Exception e)
                {
                    failures.Add(e.Message);
                }
            });
            threads[t].Start();
        }
        foreach (var th in threads) th.Join();
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    [TestMethod]
    public void DescribePrintsTheKernelProgramAndTheCode()
    {
        var g = Build([T(DType.Float32, 4, 3), T(DType.Float32, 3)], xs => [Ir.ReduceMax(Ir.Add(Ir.Exp(xs[0]), xs[1]), 1)]);
        var text = CompileFast(g).Describe();
        StringAssert.Contains(text, "kernel program");
        StringAssert.Contains(text, "reduce_max");
        StringAssert.Contains(text, "MathF.Exp");
        StringAssert.Contains(text, "Math.Max");
    }

    /// <summary>A custom operation: sin with its pullback ct * cos(x), as Rule.Define would trace it.</summary>
    private static CustomCall SinWithPullback(TensorType type)
    {
        var joint = Build([type, type], xs => [Ir.Sin(xs[0]), Ir.Mul(xs[1], Ir.Cos(xs[0]))]);
        return new CustomCall("my_sin", joint, 1, differentiable: true);
    }

    /// <summary>One sample graph per primitive: a gap (a primitive the CPU backend cannot run) fails here.</summary>
    /// <summary>x x^T + 4 I: a 3 x 3 symmetric positive definite matrix from a [3, 4] input.</summary>
    private static Node SpdOf(Node x) => Ir.MatMul(x, Ir.TransposeLast2(x)) + LinalgIr.EyeLike(new Shape(3, 3), x.DType) * 4.0;

    [TestMethod]
    public void EveryPrimitiveRuns()
    {
        var f = T(DType.Float64, 3, 4);
        var samples = new Dictionary<OpCode, Func<Node[], Node>>
        {
            [OpCode.Select] = xs => Ir.Select(Ir.Gt(xs[0], xs[1]), xs[0], xs[1]),
            [OpCode.Cast] = xs => Ir.Cast(xs[0], DType.Int32),
            [OpCode.StopGradient] = xs => Ir.StopGradient(xs[0]),
            [OpCode.OptimizationBarrier] = xs => Ir.Exp(Ir.OptimizationBarrier(Ir.Sin(xs[0]))),
            [OpCode.Reshape] = xs => Ir.Reshape(xs[0], new Shape(2, 6)),
            [OpCode.Transpose] = xs => Ir.Transpose(xs[0], 1, 0),
            [OpCode.Broadcast] = xs => Ir.Broadcast(xs[0], new Shape(2, 3, 4)),
            [OpCode.Slice] = xs => Ir.Slice(xs[0], [1, 1], [3, 3]),
            [OpCode.Pad] = xs => Ir.Pad(xs[0], [1, 0], [0, 1]),
            [OpCode.Concat] = xs => Ir.Concat(0, xs[0], xs[1]),
            [OpCode.Gather] = xs => Ir.Gather(xs[0], Ir.Cast(Ir.Full(new Shape(2), 2, DType.Float64), DType.Int32), 1),
            [OpCode.ScatterAdd] = xs => Ir.ScatterAdd(xs[0], Ir.Cast(Ir.Full(new Shape(4), 1, DType.Float64), DType.Int32), 1, new Shape(3, 2)),
            [OpCode.MatMul] = xs => Ir.MatMul(xs[0], Ir.Transpose(xs[1], 1, 0)),
            [OpCode.Custom] = xs => Ir.B.Emit(OpCode.Custom, new Attrs { Custom = SinWithPullback(f) }, xs[0]),
            // Control flow runs on the host around compiled sub-graphs: a 3-step scan of c = c * x + sin(c) (x closed over as a const).
            [OpCode.Scan] = xs =>
            {
                var body = Build([f, f], v => [Ir.Add(Ir.Mul(v[0], v[1]), Ir.Sin(v[0]))]);
                var def = new ScanDef(body, carries: 1, xs: 0, consts: 1, length: 3, reverse: false);
                return def.Emit(OpCode.Scan, [xs[0], xs[1]])[0];
            },
            [OpCode.While] = xs =>
            {
                var counter = T(DType.Int32);
                var cond = Build([f, counter], v => [Ir.Lt(v[1], Ir.Lit(4, DType.Int32))]);
                var body = Build([f, counter], v => [Ir.Tanh(v[0]), Ir.Add(v[1], Ir.Lit(1, DType.Int32))]);
                var def = new WhileDef(cond, body, carries: 2, consts: 0);
                return def.Emit(OpCode.While, [xs[0], Ir.Lit(0, DType.Int32)])[0];
            },
            [OpCode.Switch] = xs =>
            {
                var def = new SwitchDef([Build([f, f], v => [Ir.Sin(v[0])]), Build([f, f], v => [Ir.Mul(v[0], v[1])])]);
                return def.Emit(OpCode.Switch, [Ir.Lit(1, DType.Int32), xs[0], xs[1]])[0];
            },
            // Linear algebra runs as host kernels; square matrices are made from the [3,4] inputs, sign-free
            // results (factors' products, squares, singular values) are compared.
            [OpCode.Cholesky] = xs => Ir.B.Emit(OpCode.Cholesky, Attrs.None, SpdOf(xs[0])),
            [OpCode.TriangularSolve] = xs => LinalgIr.TriangularSolve(SpdOf(xs[1]), xs[0], lower: false, transposeA: true),
            [OpCode.Solve] = xs => LinalgIr.Solve(Ir.MatMul(xs[0], Ir.TransposeLast2(xs[1])), xs[0]),
            [OpCode.SlogDet] = xs => LinalgIr.Result(OpCode.SlogDet, 1, SpdOf(xs[0])),
            [OpCode.Eigh] = xs => LinalgIr.Result(OpCode.Eigh, 0, SpdOf(xs[0])),
            [OpCode.Qr] = xs => Ir.Mul(LinalgIr.Result(OpCode.Qr, 1, xs[0]), LinalgIr.Result(OpCode.Qr, 1, xs[0])),
            [OpCode.Svd] = xs => LinalgIr.Result(OpCode.Svd, 1, xs[0]),
            // bitwise and logical family (jitergo): integer bits of the float inputs, and their signs as bools
            [OpCode.BitwiseAnd] = xs => Ir.BitwiseAnd(Bits(xs[0]), Bits(xs[1])),
            [OpCode.BitwiseOr] = xs => Ir.BitwiseOr(Ir.Gt(xs[0], Ir.Lit(0, xs[0].DType)), Ir.Lt(xs[1], Ir.Lit(0, xs[1].DType))),
            [OpCode.BitwiseXor] = xs => Ir.BitwiseXor(Bits(xs[0]), Bits(xs[1])),
            [OpCode.BitwiseNot] = xs => Ir.BitwiseNot(Bits(xs[0])),
            [OpCode.ShiftLeft] = xs => Ir.ShiftLeft(Bits(xs[0]), Ir.Cast(Ir.Mul(xs[1], Ir.Lit(20, xs[1].DType)), DType.Int32)),
            [OpCode.ShiftRightLogical] = xs => Ir.ShiftRightLogical(Bits(xs[0]), Ir.Cast(Ir.Mul(xs[1], Ir.Lit(20, xs[1].DType)), DType.Int32)),
            // conv family: x [1,3,4] and w [2,3,2] from the inputs, y [1,2,3] from part of one.
            [OpCode.Conv] = xs => Ir.Conv(Ir.Reshape(xs[0], new Shape(1, 3, 4)), Ir.Reshape(Ir.Slice(xs[1], [0, 0], [3, 4]), new Shape(2, 3, 2)), ConvSample),
            [OpCode.ConvTranspose] = xs => Ir.ConvTranspose(Ir.Reshape(Ir.Slice(xs[0], [0, 0], [3, 2]), new Shape(1, 2, 3)),
                Ir.Reshape(xs[1], new Shape(2, 3, 2)), ConvSample, new Shape(1, 3, 4)),
            [OpCode.ConvWeightGrad] = xs => Ir.ConvWeightGrad(Ir.Reshape(xs[0], new Shape(1, 3, 4)),
                Ir.Reshape(Ir.Slice(xs[1], [0, 0], [3, 2]), new Shape(1, 2, 3)), ConvSample, new Shape(2, 3, 2)),
            // max pooling (conv helper): windows of 2 along the last axis of [3,4]
            [OpCode.MaxPoolPick] = xs => Ir.MaxPoolPick(xs[0], xs[1], PoolSample),
            [OpCode.MaxPoolScatter] = xs => Ir.MaxPoolScatter(xs[0], Ir.Slice(xs[1], [0, 0], [3, 2]), PoolSample),
            // ops-shape family: host kernels along one axis
            [OpCode.CumSum] = xs => Ir.CumSum(Ir.Mul(xs[0], xs[1]), 1, reverse: true),
            [OpCode.ArgSort] = xs => Ir.ArgSort(xs[0], 0, descending: true),
        };
        static Node Bits(Node x) => Ir.Cast(Ir.Mul(x, Ir.Lit(1e6, x.DType)), DType.Int32);
        foreach (var op in OpInfo.Primitives())
        {
            Func<Node[], Node>? sample = samples.GetValueOrDefault(op) ?? op.Kind() switch
            {
                OpKind.Unary => xs => Ir.Unary(op, xs[0]),
                OpKind.Binary or OpKind.Compare => xs => Ir.Binary(op, xs[0], xs[1]),
                OpKind.Reduce => xs => Ir.Reduce(op, xs[0], [1]),
                _ => samples.GetValueOrDefault(op),
            };
            if (sample is null) Assert.Fail($"{op.Name()}: no CPU backend sample; add one");
            var g = Build([f, f], xs => [sample(xs)]);
            Check(g, 7, op.Name(), 0.1, 2, crossCheckSystem: true);
        }
    }

    private static readonly Attrs ConvSample = new() { Strides = [1], Padding = [0], Dilation = [1], Groups = 1 };
    private static readonly Attrs PoolSample = new() { Shape = new Shape(2), Strides = [2], Padding = [0] };
}
