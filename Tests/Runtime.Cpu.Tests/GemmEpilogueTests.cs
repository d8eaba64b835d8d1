using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// Updates fused into the GEMM that computes their product (out = alpha * A @ B + beta * D, as an SGD step writes
/// it): every accepted form against the reference interpreter, on edge tiles, several contraction blocks, transposed
/// operands and split products; and the forms that must not fuse (the product read again, a product that is not the
/// output's layout, two constants) still compute the right values.
/// </summary>
[TestClass]
public sealed class GemmEpilogueTests
{
    private static readonly (string Name, CpuBackend Backend)[] Backends =
    [
        ("1 thread", new(new CpuBackendOptions { MaxThreads = 1 })),
        ("2 threads", new(new CpuBackendOptions { MaxThreads = 2, ParallelThreshold = 1 })),
        ("v256 2 threads", new(new CpuBackendOptions { Vectors = VectorIsa.V256, MaxThreads = 2, ParallelThreshold = 1 })),
    ];

    private static void Check(Graph g, int seed, string what, bool fused)
    {
        var rng = new Random(seed);
        var inputs = new Array[g.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Harness.Random(rng, g.Inputs[i].Type, -1, 1);
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        foreach (var (name, backend) in Backends)
        {
            var exe = (CpuExecutable)backend.Compile(g);
            Assert.AreEqual(fused, exe.Describe().Contains("FusedIntoGemm"), $"{what} [{name}]: fused\n{exe.Describe()}");
            Compare(expected, exe.Run(inputs), $"{what} [{name}]", exe);
            // A second call reuses the executable's storage: the fused kernel must not depend on a fresh output.
            Compare(expected, exe.Run(inputs), $"{what} [{name}], second call", exe);
        }
    }

    private static Node Lit(DType dtype, double v) => Ir.Lit(v, dtype);

    [TestMethod]
    [DataRow(37, 23, 45)]     // edge tiles in both directions
    [DataRow(6, 700, 64)]     // three contraction blocks: the update runs with the last one only
    [DataRow(131, 50, 10)]    // one B panel: A read in place
    [DataRow(300, 40, 200)]   // split by rows and by columns on two threads
    public void EveryUpdateForm(int m, int k, int n)
    {
        int seed = m * 31 + n;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var forms = new (string Name, Func<Node, Node, Node> Body)[]
            {
                ("d - 0.01 * p", (p, d) => Ir.Sub(d, Ir.Mul(Lit(dtype, 0.01), p))),
                ("d + p * 3", (p, d) => Ir.Add(d, Ir.Mul(p, Lit(dtype, 3)))),
                ("-2 * p - d", (p, d) => Ir.Sub(Ir.Mul(Lit(dtype, -2), p), d)),
                ("p + d", (p, d) => Ir.Add(p, d)),
                ("d - -(p)", (p, d) => Ir.Sub(d, Ir.Neg(p))),
                ("0.5 * p", (p, _) => Ir.Mul(Lit(dtype, 0.5), p)),
            };
            foreach (var (name, body) in forms)
            {
                // The MLP's weight gradient: a transposed A (x^T) times the row-major delta.
                var g = Build([T(dtype, k, m), T(dtype, k, n), T(dtype, m, n)],
                    xs => [body(Ir.MatMul(Ir.TransposeLast2(xs[0]), xs[1]), xs[2])]);
                Check(g, seed++, $"{name} {dtype.ShortName()} {m}x{k}x{n}", fused: true);
            }
        }
    }

    [TestMethod]
    public void FormsThatMustNotFuseStillCompute()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // The product is read again by a later kernel (it is also an output).
            var twice = Build([T(dtype, 20, 30), T(dtype, 30, 40), T(dtype, 20, 40)], xs =>
            {
                var p = Ir.MatMul(xs[0], xs[1]);
                return [Ir.Sub(xs[2], Ir.Mul(Lit(dtype, 0.1), p)), p];
            });
            Check(twice, 1, $"product also returned {dtype.ShortName()}", fused: false);
            // Two constants: (c1 * c2) * p would not round like c1 * (c2 * p).
            var two = Build([T(dtype, 20, 30), T(dtype, 30, 40), T(dtype, 20, 40)],
                xs => [Ir.Add(xs[2], Ir.Mul(Lit(dtype, 0.1), Ir.Mul(Lit(dtype, 3), Ir.MatMul(xs[0], xs[1]))))]);
            Check(two, 2, $"two constants {dtype.ShortName()}", fused: false);
            // The update reads the product transposed: not the output's order.
            var transposed = Build([T(dtype, 30, 30), T(dtype, 30, 30), T(dtype, 30, 30)],
                xs => [Ir.Add(xs[2], Ir.TransposeLast2(Ir.MatMul(xs[0], xs[1])))]);
            Check(transposed, 3, $"transposed product {dtype.ShortName()}", fused: false);
        }
    }

    [TestMethod]
    public void InfiniteProductsScaleWithoutNaN()
    {
        // out = 0.5 * p with p = +inf somewhere: a fused alpha * C + 0 * C would give NaN there.
        var g = Build([T(DType.Float32, 8, 3), T(DType.Float32, 3, 40)], xs => [Ir.Mul(Lit(DType.Float32, 0.5), Ir.MatMul(xs[0], xs[1]))]);
        var a = new float[24];
        var b = new float[120];
        a[0] = float.MaxValue;
        b[0] = float.MaxValue;
        b[1] = 1;
        var exe = (CpuExecutable)new CpuBackend(new CpuBackendOptions { MaxThreads = 1 }).Compile(g);
        Assert.Contains("FusedIntoGemm", exe.Describe());
        var r = (float[])exe.Run([a, b])[0];
        Assert.AreEqual(float.PositiveInfinity, r[0]);
        Assert.AreEqual(0.5f * float.MaxValue, r[1]);
        Assert.AreEqual(0f, r[41]);
    }
}
