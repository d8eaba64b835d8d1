using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The checks every op table runs on each of its cases (OpsGradientTests, MoreOpsTests, ShapeOpsTests): compiled
/// against eager in f32 and f64, the gradient against central differences (and in f32 against f64), the second
/// derivative along a random direction, and vmap against a loop. The tables differ only in inputs and tolerances.
/// </summary>
internal static class OpTableChecks
{
    /// <summary>Jit.Compile(f) equals f run eagerly, in shape, dtype and values, at f32 and at f64.</summary>
    public static void CompiledMatchesEager(string name, Func<Tensor, Tensor> f, Func<DType, Tensor> input, double tol32, double tol64)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = input(dtype);
            var eager = f(x);
            var compiled = Jit.Compile(f)(x);
            Assert.AreEqual(eager.Shape, compiled.Shape, $"{name} {dtype.ShortName()}: shape");
            Assert.AreEqual(eager.DType, compiled.DType, $"{name} {dtype.ShortName()}: dtype");
            double tol = dtype == DType.Float32 ? tol32 : tol64;
            TestUtil.AssertClose(eager.ToDoubleArray(), compiled.ToDoubleArray(), tol, tol, $"{name} {dtype.ShortName()}");
        }
    }

    /// <summary>
    /// The gradient of a random weighting of f's output at the f64 point <paramref name="x"/> equals central
    /// differences of step <paramref name="h"/>; the f32 gradient agrees with the f64 one to 2e-3.
    /// </summary>
    public static void GradientMatchesFiniteDifferences(string name, Func<Tensor, Tensor> f, Tensor x, double h, double tol, double absTol)
    {
        var w = TestUtil.Random(new Random(5), DType.Float64, -1, 1, f(x).Shape.ToArray());
        Func<Tensor, Tensor> loss = t => Sum(f(t) * w);
        var grad = Jit.Grad(loss)(x);
        Assert.AreEqual(x.Shape, grad.Shape);
        var numeric = TestUtil.NumericGrad(t => loss(t).Item(), x, h);
        TestUtil.AssertClose(numeric, grad.ToDoubleArray(), tol, absTol, $"{name}: first derivative");
        var grad32 = Jit.Grad(loss)(Cast(x, DType.Float32));
        Assert.AreEqual(DType.Float32, grad32.DType);
        TestUtil.AssertClose(grad.ToDoubleArray(), grad32.ToDoubleArray(), 2e-3, 2e-3, $"{name}: f32 gradient");
    }

    /// <summary>
    /// Grad twice: the derivative of the gradient along a random direction equals central differences of the gradient.
    /// <paramref name="outer"/> is applied to f's output before the weighted sum (a linear op needs a non-linear one
    /// there for its second derivative to be non-zero).
    /// </summary>
    public static void SecondDerivativeMatchesFiniteDifferences(string name, Func<Tensor, Tensor> f, Tensor x, double h,
        double tol, double absTol, Func<Tensor, Tensor>? outer = null)
    {
        outer ??= t => t;
        var w = TestUtil.Random(new Random(6), DType.Float64, -1, 1, f(x).Shape.ToArray());
        var v = TestUtil.Random(new Random(7), DType.Float64, -1, 1, x.Shape.ToArray());
        var grad = Jit.Grad((Tensor t) => Sum(outer(f(t)) * w));
        Func<Tensor, Tensor> directional = t => Sum(grad(t) * v);
        var second = Jit.Grad(directional)(x);
        var numeric = TestUtil.NumericGrad(t => directional(t).Item(), x, h);
        TestUtil.AssertClose(numeric, second.ToDoubleArray(), tol, absTol, $"{name}: second derivative");
    }

    /// <summary>Jit.Vmap(f) over a stack of <paramref name="examples"/> equals f applied to each, stacked.</summary>
    public static void VmapMatchesALoop(string name, Func<Tensor, Tensor> f, Tensor[] examples)
    {
        var mapped = Jit.Vmap(f)(Stack(0, examples));
        var looped = Stack(0, Array.ConvertAll(examples, e => f(e)));
        Assert.AreEqual(looped.Shape, mapped.Shape, $"{name}: vmapped shape");
        Assert.AreEqual(looped.DType, mapped.DType, $"{name}: vmapped dtype");
        TestUtil.AssertClose(looped.ToDoubleArray(), mapped.ToDoubleArray(), 1e-12, 1e-12, $"{name}: vmap");
    }
}
