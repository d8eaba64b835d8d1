using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/forward-mode.md, run as tests.</summary>
[TestClass]
public class ForwardModeSnippets
{
    [TestMethod]
    public void InverseKinematics()
    {
        // begin-snippet: inverse-kinematics
        // A planar two-link arm (lengths 1.0 and 0.7): joint angles -> hand position.
        Func<Tensor, Tensor> hand = q =>
        {
            var a = Slice(q, [0], [1]);
            var b = Slice(q, [1], [2]);
            var x = Cos(a) + Cos(a + b) * 0.7;
            var y = Sin(a) + Sin(a + b) * 0.7;
            return Concat(0, x, y);
        };
        var jacobian = Jit.Jacobian(hand);            // [2, 2]: d position / d angles
        var target = Tensor.FromArray(new double[] { 0.9, 0.8 }, 2);

        // Newton's method: q <- q - J^-1 (hand(q) - target), solving the 2x2 system by hand.
        var q = Tensor.FromArray(new double[] { 0.3, 0.5 }, 2);
        for (int i = 0; i < 8; i++)
        {
            var j = jacobian(q).ToDoubleArray();
            var r = (hand(q) - target).ToDoubleArray();
            double det = j[0] * j[3] - j[1] * j[2];
            var step = new[] { (j[3] * r[0] - j[1] * r[1]) / det, (-j[2] * r[0] + j[0] * r[1]) / det };
            q = q - Tensor.FromArray(step, 2);
        }
        Console.WriteLine($"angles {q}, hand at {hand(q)}");

        // One directional derivative costs one forward pass: how the hand moves if only the elbow turns.
        var (_, velocity) = Jit.Jvp(hand)(q, Tensor.FromArray(new double[] { 0, 1 }, 2));
        Console.WriteLine($"elbow velocity {velocity}");
        // end-snippet
        TestUtil.AssertClose(target.ToDoubleArray(), hand(q).ToDoubleArray(), 1e-9, 1e-9, "reached");
        Assert.AreEqual(2, velocity.Shape[0]);
    }

    [TestMethod]
    public void NewtonOnRosenbrock()
    {
        // begin-snippet: rosenbrock-newton
        // Rosenbrock's banana function: minimum 0 at (1, 1), notoriously slow for gradient descent.
        Func<Tensor, Tensor> rosenbrock = p =>
        {
            var x = Slice(p, [0], [1]);
            var y = Slice(p, [1], [2]);
            return Sum(Square(1.0 - x) + Square(y - x * x) * 100.0);
        };
        var grad = Jit.Grad(rosenbrock);
        var hessian = Jit.Hessian(rosenbrock);       // the Jacobian of the gradient (reverse over reverse)

        var p = Tensor.FromArray(new double[] { -1.2, 1 }, 2);
        for (int i = 0; i < 10; i++)
        {
            var g = grad(p).ToDoubleArray();
            var h = hessian(p).ToDoubleArray();
            double det = h[0] * h[3] - h[1] * h[2];
            p = p - Tensor.FromArray(new[] { (h[3] * g[0] - h[1] * g[1]) / det, (-h[2] * g[0] + h[0] * g[1]) / det }, 2);
        }
        Console.WriteLine($"minimum near {p}");      // (1, 1) in a handful of Newton steps
        // end-snippet
        TestUtil.AssertClose([1, 1], p.ToDoubleArray(), 1e-8, 1e-8, "minimum");
    }

    [TestMethod]
    public void PullbackOfAVectorFunction()
    {
        // begin-snippet: vjp-softmax
        // Sensitivity of a softmax over 5 bids to each bid, weighted by the value of winning each.
        Func<Tensor, Tensor> shares = bids => Softmax(bids * 2.0, 0);
        var bids = Tensor.FromArray(new double[] { 1.0, 1.2, 0.7, 1.5, 0.9 }, 5);
        var (value, pullback) = Jit.Vjp(shares)(bids);
        var worth = Tensor.FromArray(new double[] { 10, 12, 8, 15, 9 }, 5);
        Console.WriteLine(pullback(worth));          // d (worth · shares) / d bids, in one reverse pass
        // end-snippet
        var direct = Jit.Grad((Tensor b) => Sum(shares(b) * worth))(bids);
        TestUtil.AssertClose(direct.ToDoubleArray(), pullback(worth).ToDoubleArray(), 1e-12, 1e-12, "vjp");
        Assert.AreEqual(1.0, Sum(value).Item(), 1e-12);
    }
}
