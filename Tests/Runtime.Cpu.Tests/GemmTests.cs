using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The blocked GEMM's packing and threading paths against the reference interpreter: every operand layout (row-major,
/// transposed, strided in both axes, broadcast rows), sizes just past each block edge (MR, NR, KC, MC), products big
/// enough to split by rows and by columns across two threads, both float dtypes.
/// </summary>
[TestClass]
public sealed class GemmTests
{
    private static readonly (string Name, CpuBackend Backend)[] Backends =
    [
        ("1 thread", new(new CpuBackendOptions { MaxThreads = 1 })),
        // A threshold of 1 splits every product (the cost model would keep the small ones on one thread).
        ("2 threads", new(new CpuBackendOptions { MaxThreads = 2, ParallelThreshold = 1 })),
        ("v256 2 threads", new(new CpuBackendOptions { Vectors = VectorIsa.V256, MaxThreads = 2, ParallelThreshold = 1 })),
        ("2 threads, cost model", new(new CpuBackendOptions { MaxThreads = 2 })),
    ];

    private static void CheckAll(Graph g, int seed, string what)
    {
        var rng = new Random(seed);
        var inputs = new Array[g.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Harness.Random(rng, g.Inputs[i].Type, -1, 1);
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        foreach (var (name, backend) in Backends)
        {
            var exe = (CpuExecutable)backend.Compile(g);
            // One kernel: every layout is read through strides by the GEMM's packing, none is copied first.
            Assert.IsTrue(exe.Program.Kernels is [MatMulKernel], $"{what}: expected one matmul kernel\n{exe.Program}");
            Compare(expected, exe.Run(inputs), $"{what} [{name}]", exe);
        }
    }

    /// <summary>An m x n operand stored in one of several layouts, as the lowering sees it (a strided view).</summary>
    private static (TensorType Input, Func<Node, Node> View) Layout(DType dtype, string layout, int m, int n) => layout switch
    {
        "row" => (T(dtype, m, n), x => x),
        "transposed" => (T(dtype, n, m), x => Ir.TransposeLast2(x)),
        // Every other element of a row: strides (2n, 2), neither of them 1.
        "strided" => (T(dtype, m, n, 2), x => Ir.Reshape(Ir.Slice(x, [0, 0, 0], [m, n, 1]), new Shape(m, n))),
        // Transposed and strided: strides (2, 2m).
        "strided-t" => (T(dtype, n, m, 2), x => Ir.TransposeLast2(Ir.Reshape(Ir.Slice(x, [0, 0, 0], [n, m, 1]), new Shape(n, m)))),
        // One row repeated: row stride 0.
        "broadcast" => (T(dtype, n), x => Ir.Broadcast(x, new Shape(m, n))),
        _ => throw new ArgumentException(layout),
    };

    [TestMethod]
    [DataRow(127, 257, 35)]    // past MC, KC, NR and MR edges; splits by rows
    [DataRow(13, 300, 517)]    // splits by columns; one partial row panel
    [DataRow(6, 512, 16)]      // exact panels, two KC blocks
    [DataRow(30, 784, 50)]     // KC blocks of 262, 262, 260 (f32) and 4 x 196 (f64)
    [DataRow(70, 1000, 40)]    // four KC blocks of 250
    [DataRow(250, 7, 130)]     // short contraction
    [DataRow(131, 300, 10)]    // one B panel (f32): A read in place, the last partial row panel packed; splits by rows
    [DataRow(40, 33, 5)]       // one B panel for both dtypes
    [DataRow(50, 70, 16)]      // a narrow slab (f32 with AVX-512: 256-bit kernel, 16-wide panels) of whole tiles
    [DataRow(20, 40, 17)]      // just past the narrow width: the widest kernel with an edge tile
    public void EveryLayoutOfBothOperands(int m, int k, int n)
    {
        string[] layouts = ["row", "transposed", "strided", "strided-t", "broadcast"];
        int seed = m * 1000 + n;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (var la in layouts)
            {
                foreach (var lb in layouts)
                {
                    // Broadcast rows of B would be an n-vector repeated k times; keep the table small but cover it once.
                    if (lb == "broadcast" && la != "row") continue;
                    var (ta, va) = Layout(dtype, la, m, k);
                    var (tb, vb) = Layout(dtype, lb, k, n);
                    var g = Build([ta, tb], xs => [Ir.MatMul(va(xs[0]), vb(xs[1]))]);
                    CheckAll(g, seed++, $"matmul {dtype.ShortName()} {m}x{k} ({la}) @ {k}x{n} ({lb})");
                }
            }
        }
    }

    [TestMethod]
    public void BatchedAndBroadcastBatches()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var g = Build([T(dtype, 3, 70, 90), T(dtype, 90, 41)], xs => [Ir.MatMul(Ir.TransposeLast2(Ir.TransposeLast2(xs[0])), xs[1])]);
            CheckAll(g, 5, $"batched {dtype.ShortName()} with a broadcast B");
            var h = Build([T(dtype, 2, 1, 40, 130), T(dtype, 3, 130, 70)], xs => [Ir.MatMul(xs[0], Ir.TransposeLast2(Ir.TransposeLast2(xs[1])))]);
            CheckAll(h, 6, $"batched {dtype.ShortName()} with broadcast batch axes");
            var t = Build([T(dtype, 4, 200, 60), T(dtype, 4, 70, 200)], xs => [Ir.MatMul(Ir.TransposeLast2(xs[0]), Ir.TransposeLast2(xs[1]))]);
            CheckAll(t, 7, $"batched {dtype.ShortName()} of transposes");
        }
    }
}
