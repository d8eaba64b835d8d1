using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// What a cached device program keeps: the JIT cache releases its kernel program, the launches' expression trees and
/// the PTX text. Running needs none of them; errors still name their kernel.
/// </summary>
[TestClass]
public sealed class CudaReleaseInspectionTests
{
    /// <summary>A fused chain, a reduction, a matrix product and a gather with its index check.</summary>
    private static Graph Program() => Build([T(DType.Float32, 4, 6), T(DType.Float32, 6, 3), T(DType.Int32, 2)], xs =>
    {
        var h = Ir.Tanh(Ir.MatMul(xs[0], xs[1]));
        var rows = Ir.ReduceSum(Ir.Exp(xs[0]), 1);
        return [Ir.Gather(h, xs[2], 0), rows];
    });

    [TestMethod]
    public void AReleasedProgramRunsAsBeforeButNoLongerDescribesItself()
    {
        var run = CompileFast(Program());
        var rng = new Random(3);
        var inputs = new Array[] { Random(rng, T(DType.Float32, 4, 6)), Random(rng, T(DType.Float32, 6, 3)), new[] { 3, 0 } };
        var before = run.Run(inputs);
        StringAssert.Contains(run.Describe(), "kernel program");
        run.Executable.ReleaseInspection();
        Compare(before, run.Run(inputs), "after release", exact: true);
        Compare(before, run.Run(inputs), "a second call after release", exact: true);
        StringAssert.Contains(run.Describe(), "released");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => run.Executable.Program);
        StringAssert.Contains(e.Message, "Jit.Lower");
        // A bad index is still reported after the release, with the CPU's message.
        var bad = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => run.Run([inputs[0], inputs[1], new[] { 4, 0 }]));
        StringAssert.Contains(bad.Message, "index 4 is out of range");
        Compare(before, run.Run(inputs), "a call after the failed one", exact: true);
    }

    [TestMethod]
    public void TheJitCacheKeepsDeviceProgramsReleased()
    {
        var device = TestDevice.Backend;
        var g = Program();
        var kept = Pipeline.CompileToRun("released", () => g, x => x, new PipelineOptions(device));
        var exe = (Tracer.Runtime.Cuda.CudaExecutable)kept.Executable;
        Assert.ThrowsExactly<InvalidOperationException>(() => exe.Program);
    }
}
