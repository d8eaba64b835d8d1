using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Every operation of the API table (OpsGradientTests' cases), forward and backward, eager and compiled, on the CUDA
/// device under test (the emulator unless TRACER_TEST_DEVICE=cuda) against the CPU backend.
/// </summary>
[TestClass]
public class EmulatorConformanceTests
{
    private static Device Target => TestDevice.Backend.Device;

    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void CompiledValueAndGradientMatchTheCpu(OpsGradientTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = OpsGradientTests.MakeInput(c, dtype, 13);
            var onDevice = x.To(Target);
            Assert.AreEqual(Target, onDevice.Device);
            // The GPU's own math library (PTX) is not bit-identical to .NET's; the emulator runs .NET's.
            double tol = dtype == DType.Float32 ? 2e-4 : TestDevice.OnGpu ? 1e-9 : 1e-10;

            var compile = Jit.Compile(c.F);
            var cpu = compile(x);
            var device = compile(onDevice);
            Assert.AreEqual(Target, device.Device, $"{c.Name}: a compiled call runs where its inputs live");
            TestUtil.AssertClose(cpu.ToDoubleArray(), device.ToDoubleArray(), tol, tol, $"{c.Name} {dtype.ShortName()}: value");

            var grad = Jit.Grad((Tensor t) => Sum(c.F(t)));
            var gCpu = grad(x);
            var gDevice = grad(onDevice);
            Assert.AreEqual(Target, gDevice.Device);
            TestUtil.AssertClose(gCpu.ToDoubleArray(), gDevice.ToDoubleArray(), tol * 10, tol * 10, $"{c.Name} {dtype.ShortName()}: gradient");
        }
    }

    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void EagerOpsMatchTheCpu(OpsGradientTests.Case c)
    {
        var x = OpsGradientTests.MakeInput(c, DType.Float64, 17);
        var cpu = c.F(x);
        Tensor device;
        try
        {
            device = c.F(x.To(Target));
        }
        catch (ArgumentException e) when (e.Message.Contains("different devices", StringComparison.Ordinal))
        {
            // The case combines x with a CPU array it closes over: eagerly that is a device mix, named in the error.
            StringAssert.Contains(e.Message, Target.ToString());
            StringAssert.Contains(e.Message, "cpu");
            return;
        }
        Assert.AreEqual(Target, device.Device);
        TestUtil.AssertClose(cpu.ToDoubleArray(), device.ToDoubleArray(), 1e-10, 1e-10, c.Name);
    }
}
