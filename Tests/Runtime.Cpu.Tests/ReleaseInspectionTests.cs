using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// Compile scale: what a compiled program keeps. The JIT cache releases an executable's inspection material (kernel
/// program, expression trees) and a program's kernels share their expressions, so a program of thousands of small
/// kernels holds a fraction of what it did.
/// </summary>
[TestClass]
public sealed class ReleaseInspectionTests
{
    private static Graph ReductionChain(int steps) => KernelInterpreterTests.ReductionChain(steps);

    [TestMethod]
    [DataRow(3, DisplayName = "compiled kernels")]
    [DataRow(100, DisplayName = "interpreted kernels")]
    public void AReleasedExecutableRunsAsBeforeButNoLongerDescribesItself(int steps)
    {
        var exe = (CpuExecutable)Fast.Compile(ReductionChain(steps));
        var input = new Array[] { new float[] { 0.1f, -0.2f, 0.3f, 0.5f, -0.7f, 0.9f } };
        var before = exe.Run(input);
        StringAssert.Contains(exe.Describe(), "kernel program");
        exe.ReleaseInspection();
        Compare(before, exe.Run(input), $"{steps} steps after release", exe, exact: true);
        Compare(before, exe.Run(input), $"{steps} steps, a second call reusing the buffer table", exe, exact: true);
        StringAssert.Contains(exe.Describe(), "released");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => exe.Program);
        StringAssert.Contains(e.Message, "Jit.Lower");
    }

    [TestMethod]
    public void AProgramsKernelsShareTheirExpressions()
    {
        var program = Lowerer.Lower(ReductionChain(20));
        var seen = new Dictionary<ScalarExpr, int>(ReferenceEqualityComparer.Instance);
        foreach (var k in program.Kernels)
        {
            if (k is not LoopKernel loop) continue;
            var inKernel = new HashSet<ScalarExpr>(ReferenceEqualityComparer.Instance);
            Visit(loop.Body, inKernel);
            foreach (var e in inKernel) seen[e] = seen.GetValueOrDefault(e) + 1;
        }
        Assert.IsTrue(seen.Any(p => p.Key is OpExpr && p.Value > 1), "an operation fused into several kernels is one object");
        Assert.IsTrue(seen.Any(p => p.Key is LoadExpr && p.Value > 1), "so is a load");
        var maps = new HashSet<IndexMap>(ReferenceEqualityComparer.Instance);
        foreach (var e in seen.Keys)
        {
            if (e is LoadExpr l) maps.Add(l.Map);
        }
        Assert.IsLessThanOrEqualTo(3, maps.Count, "flat, broadcast and scalar maps are shared instances");
    }

    /// <summary>
    /// Interpreted kernels are set up before anything else in a large program; an update the GEMM already applied as
    /// its epilogue must still be skipped, not run a second time by the interpreter.
    /// </summary>
    [TestMethod]
    public void AnUpdateFusedIntoTheGemmIsNotInterpretedAgain()
    {
        var g = Build([T(DType.Float32, 20, 30), T(DType.Float32, 30, 40), T(DType.Float32, 20, 40)],
            xs => [Ir.Sub(xs[2], Ir.Mul(Ir.Lit(0.01, DType.Float32), Ir.MatMul(xs[0], xs[1])))]);
        var rng = new Random(5);
        var inputs = new Array[g.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Harness.Random(rng, g.Inputs[i].Type, -1, 1);
        var everything = new CpuBackend(new CpuBackendOptions { InterpretFromKernels = 0, InterpretBelowWork = long.MaxValue, MaxThreads = 1 });
        var exe = (CpuExecutable)everything.Compile(g);
        StringAssert.Contains(exe.Describe(), "FusedIntoGemm");
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        Compare(expected, exe.Run(inputs), "d - 0.01 * a @ b with every small kernel interpreted", exe);
        Compare(expected, exe.Run(inputs), "the same, second call", exe);
    }

    private static void Visit(ScalarExpr e, HashSet<ScalarExpr> seen)
    {
        if (!seen.Add(e)) return;
        if (e is OpExpr op)
        {
            foreach (var a in op.Args) Visit(a, seen);
        }
    }
}
