using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Derivatives of control-flow constructs with several results: the transforms handle the results of one construct
/// together (one backward, forward or batched construct), and cotangents keep each value's dtype.
/// </summary>
[TestClass]
public class ControlFlowTransformTests
{
    private static readonly Tensor Xs = Tensor.FromArray(new double[] { 0.3, -0.2, 0.5, 0.1, -0.4 }, 5);

    /// <summary>A scan whose final carry and stacked outputs both depend on the parameter p (two elements).</summary>
    private static (Tensor Final, Tensor Ys) Recurrence(Tensor p) => Scan((Tensor c, Tensor x) =>
    {
        var next = Tanh(c * Slice(p, [0], [1]) + x) + Slice(p, [1], [2]);
        return (next, Sin(next) * c);
    }, Tensor.FromArray(new double[] { 0.2 }, 1), Reshape(Xs, 5, 1));

    private static Tensor BothResults(Tensor p)
    {
        var (final, ys) = Recurrence(p);
        return Sum(final * final) + Sum(ys * ys) * 0.5;
    }

    private static readonly Tensor P = Tensor.FromArray(new double[] { 0.8, 0.1 }, 2);

    /// <summary>Control-flow constructs of a graph: the distinct (definition, inputs) pairs of its equations.</summary>
    private static List<Node> Constructs(Graph g, OpCode op)
    {
        var firsts = new List<Node>();
        foreach (var eq in g.Equations)
        {
            if (eq.Op != op) continue;
            if (!firsts.Exists(f => ReferenceEquals(f.Attrs.Control, eq.Attrs.Control) && f.Inputs.SequenceEqual(eq.Inputs))) firsts.Add(eq);
        }
        return firsts;
    }

    [TestMethod]
    public void ALossUsingTheFinalCarryAndTheStackedOutputsGetsOneBackwardScan()
    {
        var graph = Jit.Trace(Jit.Grad((Func<Tensor, Tensor>)BothResults), P);
        var backward = Constructs(graph, OpCode.Scan).FindAll(eq => ((ScanDef)eq.Attrs.Control!).Reverse);
        Assert.HasCount(1, backward, graph.ToString());
    }

    [TestMethod]
    public void ValueAndGradRunsTheForwardScanOnce()
    {
        // The backward scan needs the carries the forward one recorded; the value comes from that same scan.
        var valueAndGrad = Jit.ValueAndGrad((Func<Tensor, Tensor>)BothResults);
        var graph = Jit.Trace(valueAndGrad, P);
        var scans = Constructs(graph, OpCode.Scan);
        Assert.HasCount(1, scans.FindAll(eq => !((ScanDef)eq.Attrs.Control!).Reverse), graph.ToString());
        Assert.HasCount(2, scans, graph.ToString());
        var (value, grad) = valueAndGrad(P);
        Assert.AreEqual(BothResults(P).Item(), value.Item(), 1e-12);
        CollectionAssert.AreEqual(Jit.Grad((Func<Tensor, Tensor>)BothResults)(P).ToDoubleArray(), grad.ToDoubleArray());
    }

    [TestMethod]
    public void GradientThroughBothScanResultsMatchesFiniteDifferencesAndTheSumOfTheParts()
    {
        var grad = Jit.Grad((Func<Tensor, Tensor>)BothResults)(P).ToDoubleArray();
        TestUtil.AssertClose(TestUtil.NumericGrad(p => BothResults(p).Item(), P), grad, 1e-6, 1e-9, "grad through final carry and ys");
        // Each result alone goes through the same rule with one zero cotangent: the parts must add up.
        var carryOnly = Jit.Grad((Tensor p) => Sum(Square(Recurrence(p).Final)))(P).ToDoubleArray();
        var ysOnly = Jit.Grad((Tensor p) => Sum(Square(Recurrence(p).Ys)) * 0.5)(P).ToDoubleArray();
        TestUtil.AssertClose([carryOnly[0] + ysOnly[0], carryOnly[1] + ysOnly[1]], grad, 1e-12, 1e-14, "sum of the parts");
    }

    [TestMethod]
    public void SecondOrderThroughAMultiResultScan()
    {
        Func<Tensor, Tensor> loss = BothResults;
        var grad = Jit.Grad(loss);
        var hessian = Jit.Grad((Tensor p) => Sum(grad(p) * Tensor.FromArray(new double[] { 1, 0 }, 2)))(P).ToDoubleArray();
        var numeric = TestUtil.NumericGrad(p => grad(p).ToDoubleArray()[0], P);
        TestUtil.AssertClose(numeric, hessian, 1e-5, 1e-8, "grad of grad through scan");
        TestUtil.AssertClose(numeric, Slice(Jit.Hessian(loss)(P), [0, 0], [1, 2]).ToDoubleArray(), 1e-5, 1e-8, "hessian (forward over reverse)");
    }

    [TestMethod]
    public void ForwardModeAndVmapEmitOneConstructForAllResults()
    {
        Func<Tensor, (Tensor, Tensor)> both = p => Recurrence(p);
        var jvpGraph = Jit.Trace(Jit.Jvp((Tensor p) => { var (c, ys) = Recurrence(p); return Sum(c) + Sum(ys); }), P, P);
        Assert.HasCount(1, Constructs(jvpGraph, OpCode.Scan), jvpGraph.ToString());
        var (_, tangent) = Jit.Jvp((Tensor p) => { var (c, ys) = Recurrence(p); return Sum(c) + Sum(ys); })(P, Tensor.FromArray(new double[] { 1, -1 }, 2));
        var g = TestUtil.NumericGrad(p => { var (c, ys) = Recurrence(p); return (Sum(c) + Sum(ys)).Item(); }, P);
        Assert.AreEqual(g[0] - g[1], tangent.Item(), 1e-8);

        var batch = Stack(0, P, P * 1.1);
        var vmapGraph = Jit.Trace(Jit.Vmap((Tensor p) => { var (c, ys) = Recurrence(p); return Concat(0, c, Reshape(ys, 5)); }), batch);
        Assert.HasCount(1, Constructs(vmapGraph, OpCode.Scan), vmapGraph.ToString());
        var batched = Jit.Vmap((Tensor p) => { var (c, ys) = Recurrence(p); return Concat(0, c, Reshape(ys, 5)); })(batch).ToDoubleArray();
        var second = Recurrence(P * 1.1);
        TestUtil.AssertClose([.. second.Final.ToDoubleArray(), .. second.Ys.ToDoubleArray()], batched[6..], 1e-12, 1e-14, "vmap of both results");
    }

    private static (Tensor, Tensor) TwoBranches(Tensor x, Tensor k) => Switch(k,
        () => (Sin(x), x * x),
        () => (Exp(x), x * 3.0));

    [TestMethod]
    public void SwitchAndCondWithTwoUsedResultsGetOneBackwardSwitch()
    {
        Func<Tensor, Tensor, Tensor> loss = (x, k) => { var (a, b) = TwoBranches(x, k); return Sum(a * b); };
        var x = Tensor.FromArray(new double[] { 0.4, -0.7 }, 2);
        var graph = Jit.Trace(Jit.Grad(loss), x, Tensor.Scalar(0));
        // The forward switch and one backward switch (before: one backward switch per used result).
        Assert.HasCount(2, Constructs(graph, OpCode.Switch), graph.ToString());
        foreach (int k in new[] { 0, 1 })
        {
            var grad = Jit.Grad(loss)(x, Tensor.Scalar(k)).ToDoubleArray();
            TestUtil.AssertClose(TestUtil.NumericGrad(t => loss(t, Tensor.Scalar(k)).Item(), x), grad, 1e-6, 1e-9, $"switch branch {k}");
        }

        Func<Tensor, Tensor> cond = t =>
        {
            var (a, b) = Cond(Greater(Sum(t), 0.0), () => (Sin(t), t * t), () => (Cos(t), -t));
            return Sum(a * b);
        };
        var condGraph = Jit.Trace(Jit.Grad(cond), x);
        Assert.HasCount(2, Constructs(condGraph, OpCode.Switch), condGraph.ToString());
        TestUtil.AssertClose(TestUtil.NumericGrad(t => cond(t).Item(), x), Jit.Grad(cond)(x).ToDoubleArray(), 1e-6, 1e-9, "cond");
        var hessian = Jit.Hessian(cond)(x).ToDoubleArray();
        TestUtil.AssertClose(TestUtil.NumericGrad(t => Jit.Grad(cond)(t).ToDoubleArray()[0], x), hessian[..2], 1e-5, 1e-8, "cond second order");
    }

    [TestMethod]
    public void ForLoopWithFloat64StateIsDifferentiable()
    {
        // Regression: ForLoop's internal per-step output is f32, and the backward scan added it to the f64 state's
        // cotangent ("add: dtypes f64 and f32 differ").
        Func<Tensor, Tensor> f = k => Sum(ForLoop(3, (i, s) => s * k, Tensor.FromArray(new double[] { 1.0 }, 1)));
        var k = Tensor.Scalar(0.7);
        Assert.AreEqual(3 * 0.7 * 0.7, Jit.Grad(f)(k).Item(), 1e-12);
        Assert.AreEqual(6 * 0.7, Jit.Grad(Jit.Grad(f))(k).Item(), 1e-12);
        Assert.AreEqual(DType.Float64, Jit.Grad(f)(k).DType);
    }

    [TestMethod]
    public void ScanWithMixedFloat32AndFloat64OutputsIsDifferentiable()
    {
        // The carry is f64; the stacked outputs are one f32 and one f64 value per step. The same function computed
        // in f64 throughout is the reference: the results differ by the f32 rounding only.
        Func<Tensor, Tensor> Loss(DType narrow) => p =>
        {
            var (c, ys) = Scan((Tensor s, Tensor x) => (s * p + x, (Cast(Sin(s), narrow), s * s)),
                Tensor.FromArray(new double[] { 0.5, -0.25 }, 2), Tensor.FromArray(new double[] { 0.1, 0.2, 0.3, 0.4 }, 4, 1));
            return Sum(c) + Cast(Sum(ys.Item1), DType.Float64) + Sum(ys.Item2);
        };
        var (f, reference) = (Loss(DType.Float32), Loss(DType.Float64));
        var p = Tensor.Scalar(0.9);
        var grad = Jit.Grad(f)(p);
        Assert.AreEqual(DType.Float64, grad.DType);
        Assert.AreEqual(Jit.Grad(reference)(p).Item(), grad.Item(), 1e-5);
        TestUtil.AssertClose(TestUtil.NumericGrad(t => reference(t).Item(), p), [Jit.Grad(reference)(p).Item()], 1e-6, 1e-9, "f64 reference");
        Assert.AreEqual(Jit.Grad(Jit.Grad(reference))(p).Item(), Jit.Grad(Jit.Grad(f))(p).Item(), 1e-4, "second order");
        TestUtil.AssertClose(TestUtil.NumericGrad(t => Jit.Grad(reference)(t).Item(), p), [Jit.Grad(Jit.Grad(reference))(p).Item()], 1e-5, 1e-8, "f64 reference, second order");
    }
}
