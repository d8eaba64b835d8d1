using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/control-flow.md, run as tests.</summary>
[TestClass]
public class ControlFlowSnippets
{
    [TestMethod]
    public void FitEpidemic()
    {
        // begin-snippet: sir-scan
        // An SIR epidemic (susceptible, infected, recovered fractions), 120 daily Euler steps inside one Scan.
        Func<Tensor, Tensor> simulate = rates =>          // rates = [beta, gamma]
        {
            var beta = Slice(rates, [0], [1]);
            var gamma = Slice(rates, [1], [2]);
            var start = Tensor.FromArray(new double[] { 0.99, 0.01, 0 }, 3);
            var (_, infected) = Scan((Tensor s, Tensor day) =>
            {
                var (sus, inf) = (Slice(s, [0], [1]), Slice(s, [1], [2]));
                var newCases = beta * sus * inf;
                var recoveries = gamma * inf;
                var next = s + Concat(0, -newCases, newCases - recoveries, recoveries);
                return (next, Sum(inf));
            }, start, Tensor.Zeros(DType.Float64, 120));
            return infected;                               // [120] daily infected fraction
        };

        var observed = simulate(Tensor.FromArray(new double[] { 0.30, 0.10 }, 2));   // "data" from known rates
        Func<Tensor, Tensor> residual = r => simulate(r) - observed;
        var jacobian = Jit.Jacobian(residual);             // [120, 2], by forward mode through the Scan

        // Gauss-Newton: solve (JᵀJ) δ = Jᵀr for the 2x2 step.
        var rates = Tensor.FromArray(new double[] { 0.4, 0.15 }, 2);
        for (int i = 0; i < 6; i++)
        {
            var j = jacobian(rates);
            var jtj = MatMul(Transpose(j), j).ToDoubleArray();
            var jtr = MatMul(Transpose(j), residual(rates)).ToDoubleArray();
            double det = jtj[0] * jtj[3] - jtj[1] * jtj[2];
            rates = rates - Tensor.FromArray(new[] { (jtj[3] * jtr[0] - jtj[1] * jtr[1]) / det, (jtj[0] * jtr[1] - jtj[2] * jtr[0]) / det }, 2);
        }
        Console.WriteLine($"recovered rates {rates}");   // prints recovered rates f64[2] [0.3...

        // Reverse mode works through the Scan too: a backward Scan, not 120 unrolled steps.
        var misfitGrad = Jit.Grad((Tensor r) => Mean(Square(residual(r))))(Tensor.FromArray(new double[] { 0.4, 0.15 }, 2));
        // end-snippet
        TestUtil.AssertClose([0.30, 0.10], rates.ToDoubleArray(), 1e-8, 1e-10, "rates");
        // The page says: the printed graph of simulate has one scan[length=120 ...] equation.
        string printed = Jit.Trace(simulate, rates).ToString();
        Assert.AreEqual(1, printed.Split("scan[length=120").Length - 1, printed);
        Assert.IsTrue(misfitGrad.ToDoubleArray()[0] > 0);
    }

    [TestMethod]
    public void Bisection()
    {
        // begin-snippet: bisection-while
        // The interest rate at which a loan of 1000 repaid 12 x 90 has zero net present value, by bisection:
        // the number of halvings depends on the data, so this is a WhileLoop.
        Func<Tensor, Tensor> npv = r => Sum(90.0 / Pow(1.0 + r, Tensor.FromArray(Enumerable.Range(1, 12).Select(i => (double)i).ToArray(), 12))) - 1000.0;
        var (lo, hi) = WhileLoop(
            b => Greater(b.Item2 - b.Item1, 1e-10),
            b =>
            {
                var mid = (b.Item1 + b.Item2) * 0.5;
                var positive = Greater(npv(mid), 0.0);     // NPV falls as the rate rises
                return (Where(positive, mid, b.Item1), Where(positive, b.Item2, mid));
            },
            (Tensor.Scalar(0.0), Tensor.Scalar(0.2)));
        Console.WriteLine($"monthly rate {lo.Item():P4}");
        // end-snippet
        Assert.AreEqual(0.0, npv(lo).Item(), 1e-6);
        var compiled = Jit.Compile((Tensor a) => WhileLoop(
            b => Greater(b.Item2 - b.Item1, 1e-10),
            b =>
            {
                var mid = (b.Item1 + b.Item2) * 0.5;
                var positive = Greater(npv(mid), 0.0);
                return (Where(positive, mid, b.Item1), Where(positive, b.Item2, mid));
            },
            (a, Tensor.Scalar(0.2))).Item1)(Tensor.Scalar(0.0));
        Assert.AreEqual(lo.Item(), compiled.Item(), 1e-12);
    }

    [TestMethod]
    public void ResidualStackWithCheckpoint()
    {
        // begin-snippet: checkpoint-residual
        // A 16-block residual MLP: with Checkpoint, the backward pass recomputes each block's activations
        // instead of keeping all 16 blocks' worth alive at once.
        var weights = Enumerable.Range(0, 16)
            .Select(k => Tensor.FromArray(Enumerable.Range(0, 64).Select(i => Math.Sin(i + k) * 0.1).ToArray(), 8, 8))
            .ToArray();
        var block = Jit.Checkpoint((Tensor[] p) => p[0] + Tanh(MatMul(p[0], p[1])));
        Func<Tensor[], Tensor, Tensor> loss = (ws, x) =>
        {
            foreach (var w in ws) x = block([x, w]);
            return Mean(Square(x));
        };
        var grads = Jit.Grad(loss)(weights, Tensor.Ones(DType.Float64, 4, 8));
        Console.WriteLine($"{grads.Length} weight gradients, first {grads[0].Shape}");
        // end-snippet
        Func<Tensor[], Tensor, Tensor> plain = (ws, x) =>
        {
            foreach (var w in ws) x = x + Tanh(MatMul(x, w));
            return Mean(Square(x));
        };
        var expected = Jit.Grad(plain)(weights, Tensor.Ones(DType.Float64, 4, 8));
        TestUtil.AssertClose(expected[3].ToDoubleArray(), grads[3].ToDoubleArray(), 1e-12, 1e-12, "checkpointed gradient");
    }
}
