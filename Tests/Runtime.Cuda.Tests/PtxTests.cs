using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Every operation's forward and gradient kernels compile to PTX for SM_90 without a GPU: what the emulator runs is
/// also what a GPU would run, so these catch constructs only the CPU accelerator accepts.
/// </summary>
[TestClass]
public class PtxTests
{
    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void ForwardAndGradientKernelsCompileToPtx(OpsGradientTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = OpsGradientTests.MakeInput(c, dtype, 3).To(CudaRuntime.Emulator);
            foreach (var (what, lowered) in new[] { ("forward", Jit.Lower(c.F, x)), ("gradient", Jit.Lower(Jit.Grad((Tensor t) => Sum(c.F(t))), x)) })
                AssertEveryLoopIsAGpuKernel(lowered, $"{c.Name} {dtype.ShortName()} {what}");
        }
    }

    /// <summary>
    /// Every loop and matmul kernel of the program is a GPU kernel with its own PTX entry: none fell back to the host
    /// (no exceptions: erfc and polygamma included). Host operations (control flow, linear algebra, conv, cumsum,
    /// sorts) are steps of their own, not loop kernels.
    /// </summary>
    internal static void AssertEveryLoopIsAGpuKernel(Lowered lowered, string what)
    {
        string code = lowered.Code;
        StringAssert.Contains(code, "// PTX (SM_90)", what);
        Assert.DoesNotContain("on the host", code, $"{what}: a generated kernel runs on the host\n{code}");
        int kernels = lowered.Kernels.Split('\n').Count(l => l.TrimStart().StartsWith('k') && (l.Contains(": loop", StringComparison.Ordinal) || l.Contains(": matmul", StringComparison.Ordinal)));
        int entries = code.Split('\n').Count(l => l.StartsWith(".visible .entry", StringComparison.Ordinal));
        // A program of host steps only (a cumsum or sort alone) has no generated kernel; anything else has some.
        if (kernels == 0) StringAssert.Contains(code, "(host: ", $"{what}: the program has kernels or host steps\n{lowered.Kernels}");
        Assert.AreEqual(kernels, entries, $"{what}: one PTX entry per generated kernel\n{lowered.Kernels}\n{code}");
    }

    [TestMethod]
    public void BlockReductionsAndTheGemmCompileToPtxWithBarriers()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        {
            var x = Cast(Tensor.FromArray(Enumerable.Range(0, 1200).Select(i => Math.Sin(i) * 3).ToArray(), 4, 300), dtype).To(CudaRuntime.Emulator);
            var lowered = Jit.Lower((Tensor t) => Sum(t) + Sum(Max(t, 1)) + Sum(Min(t * t, 1)) + Sum(Prod(Sign(t) * t, 1)), x);
            StringAssert.Contains(lowered.Code, "groups of 16 threads", dtype.ToString());
            StringAssert.Contains(lowered.Code, "bar.sync", $"{dtype}: a block reduction synchronises its group");
        }
        var m = Tensor.FromArray(new float[12], 3, 4).To(CudaRuntime.Emulator);
        var gemm = Jit.Lower((Tensor a) => MatMul(a, Transpose(a)), m);
        StringAssert.Contains(gemm.Code, "(gemm f32 grid");
        StringAssert.Contains(gemm.Code, "bar.sync");
    }
}
