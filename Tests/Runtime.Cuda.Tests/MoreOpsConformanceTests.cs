using Tracer.Tests.Operations;

namespace Tracer.Tests;

/// <summary>
/// The extra operations (MoreOpsTests' table) on the CUDA device under test against the CPU, forward and backward,
/// and their forward and gradient kernels compiled to PTX.
/// </summary>
[TestClass]
public class MoreOpsConformanceTests
{
    [TestMethod]
    [DynamicData(nameof(MoreOpsTests.CaseRows), typeof(MoreOpsTests), DynamicDataDisplayName = nameof(MoreOpsTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(MoreOpsTests))]
    public void ValueAndGradientMatchTheCpuAndCompileToPtx(MoreOpsTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            DeviceConformance.Check(c.Name, c.F, MoreOpsTests.MakeInput(c, dtype, 13), dtype == DType.Float32 ? 2e-4 : TestDevice.OnGpu ? 1e-9 : 1e-10);
    }
}
