using System.Text.Json;
using Tracer.Tests.Training;
using static Tracer.Ops;
using static Tracer.Tests.TorchFixture;

namespace Tracer.Tests.LinearAlgebra;

/// <summary>
/// Tracer.Linalg against torch.linalg: the fixture Fixtures/torch_linalg_reference.json (scripts/
/// torch_linalg_reference.py, Debian's PyTorch 1.13, float64) holds, per case, the inputs, sign-free results, the
/// weighted-sum loss and its gradients. Each case is rebuilt here with the same well-posedness map and checked
/// eagerly (results, loss) and through Jit.ValueAndGrad (compiled loss and gradients).
/// </summary>
[TestClass]
public sealed class TorchLinalgTests
{
    private static readonly JsonDocument Fixture = TorchFixture.Load("torch_linalg_reference.json");

    internal static Tensor Eye(int n)
    {
        var d = new double[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1;
        return Tensor.FromArray(d, n, n);
    }

    /// <summary>Entries (i, j) with keep(i, j), zeros elsewhere (a constant mask: Tril/Triu).</summary>
    internal static Tensor Masked(Tensor x, Func<int, int, bool> keep)
    {
        int n = x.Shape[0], m = x.Shape[1];
        var d = new double[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) d[i * m + j] = keep(i, j) ? 1 : 0;
        return x * Tensor.FromArray(d, n, m);
    }

    private static Tensor Shift(Tensor x, double by) => x + Eye(x.Shape[^1]) * by;

    /// <summary>The same maps and functions as the Python script's CASES.</summary>
    private static readonly Dictionary<string, Func<Tensor, Tensor?, Tensor[]>> Cases = new()
    {
        ["cholesky"] = (x, _) => [Linalg.Cholesky(MatMul(x, Transpose(x)) + Eye(x.Shape[0]) * x.Shape[0])],
        ["triangular_solve lower"] = (x, b) => [Linalg.TriangularSolve(Masked(Shift(x, 3), (i, j) => j <= i), b!)],
        ["triangular_solve lower transposed"] = (x, b) =>
            [Linalg.TriangularSolve(Masked(Shift(x, 3), (i, j) => j <= i), b!, lower: true, transposeA: true)],
        ["triangular_solve upper"] = (x, b) => [Linalg.TriangularSolve(Masked(Shift(x, 3), (i, j) => j >= i), b!, lower: false)],
        ["solve"] = (x, b) => [Linalg.Solve(Shift(x, 2), b!)],
        ["inv"] = (x, _) => [Linalg.Inv(Shift(x, 2))],
        ["det"] = (x, _) => [Linalg.Det(Shift(x, 2))],
        ["slogdet"] = (x, _) => Linalg.SlogDet(Shift(x, -1.5)) is var (s, l) ? [s, l] : [],
        ["eigh"] = (x, _) => Linalg.Eigh(x + Transpose(x)) is var (w, v) ? [w, v * v] : [],
        ["qr"] = (x, _) => Linalg.Qr(x) is var (q, r) ? [q * q, r * r] : [],
        ["svd tall"] = (x, _) => Linalg.Svd(x) is var (u, s, vh) ? [u * u, s, vh * vh] : [],
        ["svd wide"] = (x, _) => Linalg.Svd(x) is var (u, s, vh) ? [u * u, s, vh * vh] : [],
    };

    public static IEnumerable<object[]> CaseNames() =>
        Fixture.RootElement.GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void MatchesTorch(string name)
    {
        var c = Fixture.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var f = Cases[name];
        var x = Tensor.FromArray(Doubles(c.GetProperty("x")), Ints(c.GetProperty("x_shape")));
        bool hasB = c.GetProperty("b").ValueKind != JsonValueKind.Null;
        var b = hasB ? Tensor.FromArray(Doubles(c.GetProperty("b")), Ints(c.GetProperty("b_shape"))) : Tensor.Zeros(DType.Float64);
        var shapes = c.GetProperty("result_shapes").EnumerateArray().Select(Ints).ToArray();
        var w = c.GetProperty("weights").EnumerateArray().Select((e, i) => Tensor.FromArray(Doubles(e), shapes[i])).ToArray();

        // Eager: every result against torch.
        var results = f(x, hasB ? b : null);
        var expected = c.GetProperty("results").EnumerateArray().Select(Doubles).ToArray();
        Assert.HasCount(expected.Length, results);
        for (int i = 0; i < results.Length; i++)
            TrainingTestUtil.AssertClose(expected[i], results[i].ToDoubleArray(), 1e-9, 1e-10, $"{name}: result {i}");

        // Compiled loss and gradients (w.r.t. x and b).
        Func<(Tensor X, Tensor B), Tensor> loss = p =>
        {
            var rs = f(p.X, hasB ? p.B : null);
            Tensor total = Sum(rs[0] * w[0]);
            for (int i = 1; i < rs.Length; i++) total = total + Sum(rs[i] * w[i]);
            return total;
        };
        var (value, grad) = Jit.ValueAndGrad(loss)((x, b));
        Assert.AreEqual(c.GetProperty("loss").GetDouble(), value.Item(), 1e-9, $"{name}: loss");
        TrainingTestUtil.AssertClose(Doubles(c.GetProperty("grad_x")), grad.X.ToDoubleArray(), 1e-8, 1e-9, $"{name}: d loss / dx");
        if (hasB)
            TrainingTestUtil.AssertClose(Doubles(c.GetProperty("grad_b")), grad.B.ToDoubleArray(), 1e-8, 1e-9, $"{name}: d loss / db");
    }
}
