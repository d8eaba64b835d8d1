using Tracer.Compiler;
using static Tracer.Ops;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// cumsum and argsort (host kernels, ops-shape family) inside device programs: the CUDA backend runs them on the host
/// between its device kernels, as it does linear algebra. Against the interpreter, and Sort/TopK/CumSum with their
/// gradients against the CPU.
/// </summary>
[TestClass]
public sealed class SequenceConformanceTests
{
    [TestMethod]
    public void CumSumAndArgSortBetweenDeviceKernels()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var g = Build(T(dtype, 3, 5), x => Ir.Mul(Ir.CumSum(Ir.Sin(x), 1, reverse: true), Ir.Lit(2, dtype)));
            Check(g, 4000, $"sin, cumsum, mul {dtype.ShortName()}");
            var h = Build(T(dtype, 4, 3), x => Ir.Gather(x, Ir.ArgSort(Ir.Exp(x), 1, descending: true), 1, 1));
            Check(h, 4001, $"exp, argsort, gather {dtype.ShortName()}");
        }
    }

    [TestMethod]
    public void SortTopKAndCumSumWithGradientsMatchTheCpu()
    {
        var x = Tensor.FromArray(new double[] { 0.5, -1, 2, 0.25, 3, -2, 1, 1.5 }, 2, 4);
        Func<Tensor, Tensor> f = t => Sum(Sort(t) * CumSum(t, 1)) + Sum(TopK(t, 2).Values);
        var onDevice = x.To(TestDevice.Backend.Device);
        TestUtil.AssertClose(Jit.Compile(f)(x).ToDoubleArray(), Jit.Compile(f)(onDevice).ToDoubleArray(), 1e-10, 1e-10, "value");
        var grad = Jit.Grad(f);
        TestUtil.AssertClose(grad(x).ToDoubleArray(), grad(onDevice).ToDoubleArray(), 1e-10, 1e-10, "gradient");
    }
}
