using System.Runtime.Intrinsics;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>The bitwise and logical primitives compiled for the CPU against the interpreter: dtypes, broadcasting, edge amounts.</summary>
[TestClass]
public sealed class BitwiseTests
{
    private static readonly (int[] A, int[] B)[] Pairs = [([7], [7]), ([3, 1], [4]), ([], [5]), ([2, 3, 4], [2, 3, 4])];

    [TestMethod]
    [DataRow(OpCode.BitwiseAnd, true)]
    [DataRow(OpCode.BitwiseOr, true)]
    [DataRow(OpCode.BitwiseXor, true)]
    [DataRow(OpCode.ShiftLeft, false)]
    [DataRow(OpCode.ShiftRightLogical, false)]
    public void Binary(OpCode op, bool logical)
    {
        int seed = 0;
        DType[] dtypes = logical ? [DType.Int32, DType.Bool] : [DType.Int32];
        foreach (var dtype in dtypes)
        {
            foreach (var (a, b) in Pairs)
            {
                var g = Build([T(dtype, a), T(dtype, b)], xs => [Ir.Binary(op, xs[0], xs[1])]);
                // Amounts in [-3, 40] cover the shifts' edge cases; values in that range exercise the sign bit too.
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()}{Shape.Format(a)} with {Shape.Format(b)}", -3, 40, crossCheckSystem: true);
            }
        }
    }

    [TestMethod]
    public void ShiftEdgeAmountsAndExtremeValues()
    {
        var g = Build([T(DType.Int32, 8), T(DType.Int32, 8)], xs => [Ir.ShiftLeft(xs[0], xs[1]), Ir.ShiftRightLogical(xs[0], xs[1])]);
        var x = new[] { 1, -1, 0x4000_0001, int.MinValue, 5, 5, 5, int.MaxValue };
        var by = new[] { 31, 1, 1, 31, 32, 40, -1, 0 };
        var exe = CompileFast(g);
        var r = exe.Run([x, by]);
        CollectionAssert.AreEqual(new[] { int.MinValue, -2, unchecked((int)0x8000_0002), 0, 0, 0, 0, int.MaxValue }, (int[])r[0]);
        CollectionAssert.AreEqual(new[] { 0, int.MaxValue, 0x2000_0000, 1, 0, 0, 0, int.MaxValue }, (int[])r[1]);
    }

    [TestMethod]
    public void NotAndAFusedChain()
    {
        foreach (var dtype in new[] { DType.Int32, DType.Bool })
        {
            var g = Build(T(dtype, 3, 5), x => Ir.BitwiseNot(Ir.Transpose(x, 1, 0)));
            Check(g, 1, $"not {dtype.ShortName()} of a transpose", int.MinValue, int.MaxValue - 1.0, crossCheckSystem: true);
        }
        // A Threefry-style round in one kernel: x0 += x1; x1 = rotl(x1, 13) ^ x0, with wrapping adds.
        var round = Build([T(DType.Int32, 64), T(DType.Int32, 64)], xs =>
        {
            var x0 = Ir.Add(xs[0], xs[1]);
            var rot = Ir.BitwiseOr(Ir.ShiftLeft(xs[1], Ir.Lit(13, DType.Int32)), Ir.ShiftRightLogical(xs[1], Ir.Lit(19, DType.Int32)));
            return [x0, Ir.BitwiseXor(rot, x0)];
        });
        Check(round, 2, "threefry round", int.MinValue, int.MaxValue - 1.0, crossCheckSystem: true);
    }
}

/// <summary>The i32 kernels of the bitwise family on vectors: each width and the scalar path agree with the interpreter.</summary>
[TestClass]
public sealed class BitwiseSimdTests
{
    private static readonly (string Name, CpuBackend Backend)[] Backends =
    [
        ("v512", new(new CpuBackendOptions { Vectors = VectorIsa.V512, WideTranscendentals = true, MaxThreads = 1, MinVectors = 1 })),
        ("v256 2 threads", new(new CpuBackendOptions { Vectors = VectorIsa.V256, MaxThreads = 2, ParallelThreshold = 1, MinVectors = 1 })),
        ("scalar", new(new CpuBackendOptions { Vectors = VectorIsa.None, MaxThreads = 1 })),
    ];

    [TestMethod]
    [DataRow(1)]
    [DataRow(15)]
    [DataRow(17)]
    [DataRow(1001)]
    public void ThreefryRoundsOnVectors(int n)
    {
        // Two Threefry rounds with a broadcast key word: wrapping adds, rotations by constants, xor, not, and/or.
        var g = Build([T(DType.Int32, n), T(DType.Int32, n), T(DType.Int32)], xs =>
        {
            Node x0 = Ir.Add(xs[0], xs[2]), x1 = xs[1];
            foreach (int r in new[] { 13, 15 })
            {
                x0 = Ir.Add(x0, x1);
                x1 = Ir.BitwiseXor(Ir.BitwiseOr(Ir.ShiftLeft(x1, Ir.Lit(r, DType.Int32)), Ir.ShiftRightLogical(x1, Ir.Lit(32 - r, DType.Int32))), x0);
            }
            return [x0, Ir.BitwiseAnd(Ir.BitwiseNot(x1), Ir.Mul(x0, Ir.Lit(-7, DType.Int32)))];
        });
        var rng = new Random(n);
        var inputs = new Array[3];
        for (int i = 0; i < 3; i++) inputs[i] = Harness.Random(rng, g.Inputs[i].Type, int.MinValue, int.MaxValue - 1.0);
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        foreach (var (name, backend) in Backends)
        {
            var exe = (CpuExecutable)backend.Compile(g);
            Compare(expected, exe.Run(inputs), $"threefry rounds n={n} [{name}]", exe);
            if (name.StartsWith('v') && n >= 16 && Vector512.IsHardwareAccelerated)
                Assert.IsTrue(exe.Vectorized.Contains(true), $"expected vector code\n{exe.Describe()}");
        }
    }

    [TestMethod]
    public void VariableShiftAmountsStayScalarAndFollowXla()
    {
        var g = Build([T(DType.Int32, 64), T(DType.Int32, 64)], xs => [Ir.ShiftLeft(xs[0], xs[1])]);
        var x = Enumerable.Range(0, 64).Select(i => i * 12345 + 1).ToArray();
        var by = Enumerable.Range(0, 64).Select(i => i - 16).ToArray();   // -16 .. 47
        var exe = (CpuExecutable)Backends[0].Backend.Compile(g);
        var r = (int[])exe.Run([x, by])[0];
        for (int i = 0; i < 64; i++) Assert.AreEqual(by[i] is >= 0 and < 32 ? x[i] << by[i] : 0, r[i], $"{x[i]} << {by[i]}");
    }
}
