using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Every operation of API.md, table-driven: eager vs compiled in f32 and f64, the gradient against central finite
/// differences in float64, and the second derivative (gradient of a gradient) against finite differences of the
/// first.
/// </summary>
#if !CASES_ONLY   // Runtime.Cuda.Tests links this file for its case table only
[TestClass]
#endif
public class OpsGradientTests
{
    /// <summary>One row: an operation applied to the differentiated input x (and fixed data).</summary>
    public sealed record Case(string Name, int[] Shape, Func<Tensor, Tensor> F, double Lo = -2, double Hi = 2, bool AwayFromZero = false, double H = 1e-6, double Tol = 1e-5)
    {
        public override string ToString() => Name;
    }

    private static Tensor C(params int[] shape) => TestUtil.Random(new Random(shape.Length * 7 + 3), DType.Float64, -1.5, 1.5, shape);

    private static Tensor Pos(params int[] shape) => TestUtil.Random(new Random(shape.Length * 5 + 1), DType.Float64, 0.5, 2, shape);

    private static readonly Tensor Idx = Tensor.FromArray(new[] { 2, 0, 2, 1 }, 2, 2);

    public static readonly Case[] Cases =
    [
        new("neg", [3, 4], x => Neg(x)),
        new("abs", [3, 4], x => Abs(x), AwayFromZero: true),
        new("sign", [5], x => Sign(x) * x, AwayFromZero: true),
        new("exp", [3, 4], x => Exp(x)),
        new("log", [3, 4], x => Log(x), 0.3, 3),
        new("log1p", [7], x => Log1p(x), -0.5, 3),
        new("expm1", [7], x => Expm1(x)),
        new("sqrt", [3, 4], x => Sqrt(x), 0.3, 3),
        new("rsqrt", [3, 4], x => Rsqrt(x), 0.3, 3),
        new("square", [3, 4], x => Square(x)),
        new("sin", [3, 4], x => Sin(x)),
        new("cos", [3, 4], x => Cos(x)),
        new("tan", [3, 4], x => Tan(x), -1.2, 1.2),
        new("tanh", [3, 4], x => Tanh(x)),
        new("sigmoid", [3, 4], x => Sigmoid(x)),
        new("relu", [3, 4], x => Relu(x), AwayFromZero: true),
        new("softplus", [3, 4], x => Softplus(x) + Softplus(x * 30.0)),
        new("pow_tensor_scalar", [3, 4], x => Pow(x, 2.5), 0.3, 2),
        new("pow_scalar_tensor", [3, 4], x => Pow(2.0, x)),
        new("pow_tensor_tensor", [3, 4], x => Pow(x, C(4)), 0.3, 2),
        new("pow_base_tensor", [4], x => Pow(Pos(3, 4), x)),
        new("maximum", [3, 4], x => Maximum(x, C(3, 1))),
        new("maximum_scalar", [3, 4], x => Maximum(0.1, x), AwayFromZero: true),
        new("minimum", [3, 4], x => Minimum(C(4), x)),
        new("clamp", [3, 4], x => Clamp(x, -0.5, 0.7), AwayFromZero: true),
        new("add_broadcast", [3, 1], x => x + C(4)),
        new("add_broadcast_right", [4], x => C(3, 1) + x),
        new("sub", [3, 4], x => C(4) - x - 1.5),
        new("mul_broadcast", [1, 4], x => x * C(3, 1) * 2.0),
        new("div", [3, 4], x => C(3, 4) / x + x / 3.0, AwayFromZero: true),
        new("div_scalar_left", [4], x => 1.0 / x, AwayFromZero: true),
        new("where", [3, 4], x => Where(Greater(x, 0.0), Square(x), Sin(x)), AwayFromZero: true),
        new("where_scalar", [3, 4], x => Where(Less(x, 0.0), 0.0, x), AwayFromZero: true),
        new("compare_mask", [3, 4], x => Cast(GreaterEqual(x, C(4)), DType.Float64) * x + Cast(Equal(x, x), DType.Float64) * x + Cast(NotEqual(x, 0.5), DType.Float64) - Cast(LessEqual(x, 0.25), DType.Float64)),
        new("cast_through_f32", [3, 4], x => Cast(Cast(x, DType.Float32) * 2.0, DType.Float64), H: 1e-2, Tol: 1e-4),
        new("sum_all", [3, 4], x => Sum(Sin(x))),
        new("sum_axis", [2, 3, 4], x => Sum(x * x, 1)),
        new("sum_axes_keepdims", [2, 3, 4], x => Sum(x * x, [0, 2], keepDims: true)),
        new("mean", [3, 4], x => Mean(x * x, -1)),
        new("max_axis", [3, 4], x => Max(x, 1)),
        new("min_keepdims", [3, 4], x => Min(x, 0, keepDims: true) * x),
        new("max_all", [3, 4], x => Max(x)),
        new("prod", [3, 4], x => Prod(x, 1), AwayFromZero: true),
        new("logsumexp", [3, 4], x => LogSumExp(x * 3.0, 1)),
        new("logsumexp_all", [3, 4], x => LogSumExp(x)),
        new("softmax", [3, 4], x => Softmax(x, 1)),
        new("log_softmax", [3, 4], x => LogSoftmax(x, 0)),
        new("reshape", [3, 4], x => Reshape(x, 2, -1) * C(2, 6)),
        new("transpose", [2, 3, 4], x => Transpose(x, 2, 0, 1) * C(4, 2, 3)),
        new("transpose_default", [3, 4], x => Transpose(x) * C(4, 3)),
        new("broadcast_to", [3, 1], x => BroadcastTo(x, 2, 3, 4) * C(2, 3, 4)),
        new("slice", [4, 5], x => Slice(x, [1, 0], [3, -1]) * C(2, 4)),
        new("concat", [2, 3], x => Concat(1, x, Sin(x), C(2, 2)) * C(2, 8)),
        new("stack", [3], x => Stack(0, x, x * x) * C(2, 3)),
        new("squeeze", [3, 1, 2], x => Squeeze(x) * C(3, 2)),
        new("expand_dims", [3], x => ExpandDims(x, -1) * C(3, 2)),
        new("take", [3, 4], x => Take(x, Idx, 0) * C(2, 2, 4)),
        new("take_axis1", [3, 4], x => Take(x, Idx, 1) * C(3, 2, 2)),
        new("matmul", [3, 4], x => MatMul(x, C(4, 2))),
        new("matmul_right", [4, 2], x => MatMul(C(3, 4), x)),
        new("matmul_vec_right", [4], x => MatMul(C(3, 4), x)),
        new("matmul_vec_left", [3], x => MatMul(x, C(3, 4))),
        new("matmul_batched", [2, 3, 4], x => MatMul(x, C(4, 2))),
        new("matmul_batch_broadcast", [4, 2], x => MatMul(C(2, 3, 4), x)),
        new("dot_vectors", [5], x => Dot(x, Sin(x))),
        new("outer", [3], x => Outer(x, C(4))),
        new("chain", [8], x => Sum(Tanh(x) * Sin(x) + x * x)),
    ];

    public static IEnumerable<object[]> CaseRows()
    {
        foreach (var c in Cases) yield return [c];
    }

    public static string CaseName(System.Reflection.MethodInfo m, object[] row) => ((Case)row[0]).Name;

    internal static Tensor MakeInput(Case c, DType dtype, int seed) => Input(c, dtype, seed);

    private static Tensor Input(Case c, DType dtype, int seed)
    {
        var x = TestUtil.Random(new Random(seed), DType.Float64, c.Lo, c.Hi, c.Shape);
        if (c.AwayFromZero)
        {
            var v = x.ToDoubleArray();
            for (int i = 0; i < v.Length; i++) v[i] = Math.Sign(v[i] == 0 ? 1 : v[i]) * (0.2 + Math.Abs(v[i]));
            x = Tensor.FromArray(v, c.Shape);
        }
        return Cast(x, dtype);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void CompiledMatchesEager(Case c)
    {
        OpTableChecks.CompiledMatchesEager(c.Name, c.F, dtype => Input(c, dtype, 11), 1e-4, 1e-10);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void GradientMatchesFiniteDifferences(Case c)
    {
        OpTableChecks.GradientMatchesFiniteDifferences(c.Name, c.F, Input(c, DType.Float64, 23), c.H, c.Tol, c.Tol / 10);
    }

    [TestMethod]
    [DynamicData(nameof(CaseRows), DynamicDataDisplayName = nameof(CaseName))]
    public void SecondDerivativeMatchesFiniteDifferences(Case c)
    {
        OpTableChecks.SecondDerivativeMatchesFiniteDifferences(c.Name, c.F, Input(c, DType.Float64, 31), Math.Max(c.H, 1e-5), 10 * c.Tol, c.Tol);
    }

    [TestMethod]
    public void StopGradientBlocksTheGradientButNotTheValue()
    {
        var x = Tensor.FromArray(new double[] { 1.5, -2 }, 2);
        Func<Tensor, Tensor> f = t => Sum(t * StopGradient(t));
        Assert.AreEqual(1.5 * 1.5 + 4, Jit.Compile(f)(x).Item(), 1e-12);
        CollectionAssert.AreEqual(new double[] { 1.5, -2 }, Jit.Grad(f)(x).ToDoubleArray());
        // Grad(f)(t) is stop_gradient(t) itself, so differentiating it again gives zero, as in JAX.
        CollectionAssert.AreEqual(new double[] { 0, 0 }, Jit.Grad((Tensor t) => Sum(Jit.Grad(f)(t)))(x).ToDoubleArray());
    }
}
