using Tracer.Compiler;
using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The GPU forms of erfc and polygamma (<see cref="DeviceMath"/>): the same values as the shared definitions the CPU
/// uses, and kernels that call them run on the device (not on the host) and compile to PTX.
/// </summary>
[TestClass]
public class DeviceMathTests
{
    private static readonly double[] Points = [.. Enumerable.Range(-90, 181).Select(i => i * 0.0731 + 0.013)];

    [TestMethod]
    public void ErfcIsTheSharedDefinitionBitForBit()
    {
        foreach (double x in Points.Concat([0.0, -0.0, 2.0, -2.0, 30, -30, double.PositiveInfinity, double.NegativeInfinity, double.NaN]))
        {
            Assert.AreEqual(SpecialFunctions.Erfc(x), DeviceMath.Erfc(x), 0.0, $"erfc({x})");
            Assert.AreEqual((float)SpecialFunctions.Erfc((float)x), DeviceMath.Erfc((float)x), 0f, $"erfc({x}f)");
        }
    }

    [TestMethod]
    public void PolygammaMatchesTheSharedDefinitionWithoutArrays()
    {
        for (int n = 0; n <= 6; n++)
        {
            foreach (double x in Points.Concat([-20.3, -101.7, 1e-3, -1e-3, -2.999]))
            {
                double expected = SpecialFunctions.Polygamma(n, x), actual = DeviceMath.Polygamma(n, x);
                if (x > 0) Assert.AreEqual(expected, actual, 0.0, $"polygamma({n}, {x}): positive arguments compute alike");
                else Assert.AreEqual(expected, actual, 1e-11 * Math.Max(1, Math.Abs(expected)), $"polygamma({n}, {x}): the reflection");
                float expected32 = (float)SpecialFunctions.Polygamma(n, (float)x);
                Assert.AreEqual(expected32, DeviceMath.Polygamma((float)n, (float)x), 2e-6f * Math.Max(1, Math.Abs(expected32)), $"polygamma({n}, {x}f)");
            }
        }
        foreach (var (n, x) in new[] { (0.0, 0.0), (1, -3), (0.5, 1), (-1, 1), (101, 1), (double.NaN, 1), (2, double.NaN), (1, double.NegativeInfinity) })
            Assert.IsTrue(double.IsNaN(DeviceMath.Polygamma(n, x)), $"polygamma({n}, {x}) is NaN");
        Assert.AreEqual(double.PositiveInfinity, DeviceMath.Polygamma(0, double.PositiveInfinity));
        Assert.AreEqual(0.0, DeviceMath.Polygamma(3, double.PositiveInfinity));
    }

    [TestMethod]
    public void ErfcAndPolygammaKernelsRunOnTheDeviceAndMatchTheCpu()
    {
        var values = new double[] { -3.7, -2.5, -1.2, -0.6, -0.01, 0.4, 1.9, 2.1, 4.5, 7.25 };
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Cast(Tensor.FromArray(values, 2, 5), dtype);
            Func<Tensor, Tensor> f = t => Erfc(t) + Polygamma(0, t) + Polygamma(1, t * 0.5) * Polygamma(Cast(Tensor.FromArray(new double[] { 0, 1, 2, 3, 4 }, 5), dtype), t);
            var onDevice = x.To(CudaRuntime.Emulator);
            var lowered = Jit.Lower(f, onDevice);
            StringAssert.Contains(lowered.Code, "DeviceMath.Erfc", "the GPU form is called");
            StringAssert.Contains(lowered.Code, "DeviceMath.Polygamma", "the GPU form is called");
            PtxTests.AssertEveryLoopIsAGpuKernel(lowered, $"erfc and polygamma {dtype.ShortName()}");
            double tol = dtype == DType.Float32 ? 1e-5 : 1e-10;
            var compiled = Jit.Compile(f);
            TestUtil.AssertClose(compiled(x).ToDoubleArray(), compiled(onDevice).ToDoubleArray(), tol, tol, $"{dtype.ShortName()}: device vs cpu");
            var grad = Jit.Grad((Tensor t) => Sum(Erfc(t) * Polygamma(2, t)));
            TestUtil.AssertClose(grad(x).ToDoubleArray(), grad(onDevice).ToDoubleArray(), tol * 10, tol * 10, $"{dtype.ShortName()}: gradient");
        }
    }
}
