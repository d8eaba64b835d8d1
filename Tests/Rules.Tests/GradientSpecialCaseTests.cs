using Tracer.Compiler;
using Tracer.Rules;
using static Tracer.Compiler.Ir;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Gradients where finite differences do not apply: ties, kinks, zero bases, non-differentiable ops, dtypes.</summary>
[TestClass]
public sealed class GradientSpecialCaseTests
{
    /// <summary>Gradients of the one-element <paramref name="loss"/> w.r.t. every input, by the reference interpreter.</summary>
    private static Array[] Grad(Func<Node[], Node> loss, params HostTensor[] inputs)
    {
        var b = new GraphBuilder(RuleTable.Default, null);
        Graph g;
        using (b.Activate())
        {
            var xs = Array.ConvertAll(inputs, t => b.Input(t.Type));
            g = b.Build([loss(xs)]);
        }
        var wrt = Enumerable.Range(0, inputs.Length).ToArray();
        var vg = ReverseMode.ValueAndGrad(g, wrt);
        Verifier.Verify(vg);
        var outs = Interpreter.Run(RuleTable.Default, vg, Array.ConvertAll(inputs, t => t.Data));
        return outs[1..];
    }

    [TestMethod]
    public void MaxAndMinSplitTiesHalfAndHalf()
    {
        var x = H(new[] { 1.0, 2, 3 }, 3);
        var y = H(new[] { 1.0, 5, 0 }, 3);
        var g = Grad(v => GradientCheck.SumAll(Max(v[0], v[1])), x, y);
        AreClose([0.5, 0, 1], g[0]);
        AreClose([0.5, 1, 0], g[1]);
        g = Grad(v => GradientCheck.SumAll(Min(v[0], v[1])), x, y);
        AreClose([0.5, 1, 0], g[0]);
        AreClose([0.5, 0, 1], g[1]);
        // max(x, x) is x: the halves add up to the full gradient
        AreClose([1, 1, 1], Grad(v => GradientCheck.SumAll(Max(v[0], v[0])), x)[0]);
    }

    [TestMethod]
    public void ReduceMaxAndMinShareTheCotangentAmongTies()
    {
        var x = H(new[] { 1.0, 3, 3, 2, 2, 0 }, 2, 3);
        // rows (1, 3, 3) and (2, 2, 0): each row's maximum is tied twice
        AreClose([0, 0.5, 0.5, 0.5, 0.5, 0], Grad(v => ReduceSum(ReduceMax(v[0], 1), 0), x)[0]);
        AreClose([0, 0, 0, 0, 0, 1], Grad(v => ReduceMin(v[0], 0, 1), x)[0]);
        AreClose([0, 0.5, 0.5, 0, 0, 0], Grad(v => ReduceMax(v[0], 0, 1), x)[0]);
    }

    [TestMethod]
    public void PowAtZeroBaseHasFiniteGradients()
    {
        var a = H(new[] { 0.0, 0, 2 }, 3);
        var b = H(new[] { 2.0, 1, 3 }, 3);
        var g = Grad(v => GradientCheck.SumAll(Pow(v[0], v[1])), a, b);
        AreClose([0, 1, 12], g[0]);
        AreClose([0, 0, 8 * Math.Log(2)], g[1]);
    }

    /// <summary>Regression: d/dx x^0 at x = 0 was 0 * 0^-1 = NaN; JAX and PyTorch give 0 (x^0 is the constant 1).</summary>
    [TestMethod]
    public void PowWithZeroExponentHasZeroBaseGradientEverywhere()
    {
        var a = H(new[] { 0.0, 2, -3 }, 3);
        var b = H(new[] { 0.0, 0, 0 }, 3);
        var g = Grad(v => GradientCheck.SumAll(Pow(v[0], v[1])), a, b);
        AreClose([0, 0, 0], g[0]);
        AreClose([0, Math.Log(2), double.NaN], g[1]);
    }

    [TestMethod]
    public void AbsAtZeroHasZeroGradient() =>
        AreClose([0, -1, 1], Grad(v => GradientCheck.SumAll(Abs(v[0])), H(new[] { 0.0, -2, 2 }, 3))[0]);

    [TestMethod]
    public void StopGradientBlocksOnlyItsOwnPath() =>
        AreClose([1, -2, 3], Grad(v => GradientCheck.SumAll(StopGradient(v[0]) * v[0]), H(new[] { 1.0, -2, 3 }, 3))[0]);

    [TestMethod]
    public void ComparisonsAndIntegerCastsPassNoGradient()
    {
        var x = H(new[] { -1.0, 2, 0.5 }, 3);
        // the mask is a constant as far as gradients go: d/dx sum(mask(x) * x) = mask(x)
        AreClose([0, 1, 1], Grad(v => GradientCheck.SumAll(Cast(Gt(v[0], Lit(0, DType.Float64)), DType.Float64) * v[0]), x)[0]);
        AreClose([0, 0, 0], Grad(v => GradientCheck.SumAll(Cast(Cast(v[0], DType.Int32), DType.Float64)), x)[0]);
        AreClose([0, 0, 0], Grad(v => GradientCheck.SumAll(Sign(v[0])), x)[0]);
    }

    [TestMethod]
    public void ComparisonRulesReturnNoCotangents()
    {
        var b = new GraphBuilder(RuleTable.Default, null);
        using (b.Activate())
        {
            var x = b.Input(F64(3));
            var y = Lt(x, x);
            var cts = RuleTable.Default.Get(OpCode.Lt).Vjp(y, ZerosLike(x));
            Assert.HasCount(2, cts);
            Assert.IsNull(cts[0]);
            Assert.IsNull(cts[1]);
            Assert.IsNull(RuleTable.Default.Get(OpCode.StopGradient).Vjp(StopGradient(x), x)[0]);
            var s = Select(y, x, x);
            Assert.IsNull(RuleTable.Default.Get(OpCode.Select).Vjp(s, x)[0], "the condition of select gets no cotangent");
            var idx = b.Constant(new[] { 0, 2 }, new Shape(2));
            Assert.IsNull(RuleTable.Default.Get(OpCode.Gather).Vjp(Gather(x, idx, 0), Full(new Shape(2), 1, DType.Float64))[1]);
        }
    }

    public static IEnumerable<object[]> FloatOps => OpInfo.Primitives()
        .Where(op => op.Kind() is OpKind.Unary or OpKind.Binary && !RuleTable.Default.Get(op).IsNonDifferentiable)
        .Select(op => new object[] { op });

    /// <summary>Every cotangent keeps its input's type in f32 too (ReverseMode checks it), with broadcasting.</summary>
    [TestMethod]
    [DynamicData(nameof(FloatOps))]
    public void Float32GradientsHaveTheInputTypes(OpCode op)
    {
        var a = H(new[] { 0.5f, 1, 1.5f }, 3, 1);
        var c = H(new[] { 0.25f, 2 }, 2);
        var g = op.Kind() == OpKind.Unary
            ? Grad(v => GradientCheck.SumAll(Ir.Unary(op, v[0])), a)
            : Grad(v => GradientCheck.SumAll(Ir.Binary(op, v[0], v[1])), a, c);
        Assert.IsInstanceOfType<float[]>(g[0]);
        Assert.HasCount(3, g[0]);
        if (g.Length > 1) Assert.HasCount(2, g[1]);
    }
}
