using Tracer.Tests.ShapeOps;

namespace Tracer.Tests;

/// <summary>
/// The cumulative, sorting, shape-utility and indexing operations (ShapeOpsTests' table) on the CUDA device under
/// test against the CPU, forward and backward, with every generated kernel of both compiled to PTX.
/// </summary>
[TestClass]
public class ShapeOpsConformanceTests
{
    [TestMethod]
    [DynamicData(nameof(ShapeOpsTests.CaseRows), typeof(ShapeOpsTests), DynamicDataDisplayName = nameof(ShapeOpsTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(ShapeOpsTests))]
    public void ValueAndGradientMatchTheCpuAndCompileToPtx(ShapeOpsTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            DeviceConformance.Check(c.Name, c.F, ShapeOpsTests.Input(c, dtype, 17), dtype == DType.Float32 ? 2e-5 : 1e-10);
    }
}
