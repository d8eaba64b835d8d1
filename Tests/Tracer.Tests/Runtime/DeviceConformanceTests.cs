using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>
/// The backend seam, proved with a second real backend: every operation of the API table runs on the CPU and on the
/// reference-interpreter device (Device.Reference) through the same front end (eager, Jit.Compile, Jit.Grad), and the
/// two agree; results stay on the device their inputs came from.
/// </summary>
[TestClass]
public class DeviceConformanceTests
{
    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void CompiledValueAndGradientAgreeAcrossBackends(OpsGradientTests.Case c)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = OpsGradientTests.MakeInput(c, dtype, 13);
            var onReference = x.To(Device.Reference);
            Assert.AreEqual(Device.Reference, onReference.Device);
            double tol = dtype == DType.Float32 ? 2e-4 : 1e-10;

            var compile = Jit.Compile(c.F);
            var cpu = compile(x);
            var reference = compile(onReference);
            Assert.AreEqual(Device.Cpu, cpu.Device);
            Assert.AreEqual(Device.Reference, reference.Device, $"{c.Name}: a compiled call runs where its inputs live");
            TestUtil.AssertClose(reference.ToDoubleArray(), cpu.ToDoubleArray(), tol, tol, $"{c.Name} {dtype.ShortName()}: value");

            var grad = Jit.Grad((Tensor t) => Sum(c.F(t)));
            var gCpu = grad(x);
            var gReference = grad(onReference);
            Assert.AreEqual(Device.Reference, gReference.Device);
            TestUtil.AssertClose(gReference.ToDoubleArray(), gCpu.ToDoubleArray(), tol * 10, tol * 10, $"{c.Name} {dtype.ShortName()}: gradient");
        }
    }

    [TestMethod]
    [DynamicData(nameof(OpsGradientTests.CaseRows), typeof(OpsGradientTests), DynamicDataDisplayName = nameof(OpsGradientTests.CaseName), DynamicDataDisplayNameDeclaringType = typeof(OpsGradientTests))]
    public void EagerOpsAgreeAcrossBackends(OpsGradientTests.Case c)
    {
        var x = OpsGradientTests.MakeInput(c, DType.Float64, 17);
        var cpu = c.F(x);
        Tensor reference;
        try
        {
            reference = c.F(x.To(Device.Reference));
        }
        catch (ArgumentException e) when (e.Message.Contains("different devices", StringComparison.Ordinal))
        {
            // The case combines x with a CPU array it closes over: eagerly that is a device mix, named in the error.
            StringAssert.Contains(e.Message, "reference");
            StringAssert.Contains(e.Message, "cpu");
            return;
        }
        Assert.AreEqual(Device.Reference, reference.Device);
        TestUtil.AssertClose(reference.ToDoubleArray(), cpu.ToDoubleArray(), 1e-12, 1e-12, c.Name);
    }
}
