using Tracer.Compiler;
using Tracer.Rules;
using static Tracer.Compiler.Ir;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Tangents where finite differences do not apply: ties, kinks and zero bases, following the VJPs' conventions.</summary>
[TestClass]
public sealed class JvpSpecialCaseTests
{
    /// <summary>The tangent of <paramref name="f"/> at <paramref name="x"/> in direction <paramref name="t"/> (every input seeded).</summary>
    private static double[] Tangent(Func<Node[], Node> f, HostTensor[] x, HostTensor[] t)
    {
        var b = new GraphBuilder(RuleTable.Default, null);
        Graph g;
        using (b.Activate())
        {
            var xs = Array.ConvertAll(x, h => b.Input(h.Type));
            foreach (var h in t) b.Input(h.Type);
            g = b.Build([f(xs)]);
        }
        var jvp = ForwardMode.Jvp(g, x.Length);
        Verifier.Verify(jvp);
        var outs = Interpreter.Run(RuleTable.Default, jvp, [.. x.Select(h => h.Data), .. t.Select(h => h.Data)]);
        return (double[])outs[1];
    }

    [TestMethod]
    public void MaxAndMinAverageTheTangentsOnTies()
    {
        HostTensor[] x = [H(new[] { 1.0, 2, 3 }, 3), H(new[] { 1.0, 5, 0 }, 3)];
        HostTensor[] t = [H(new[] { 10.0, 20, 30 }, 3), H(new[] { 2.0, 4, 6 }, 3)];
        AreClose([6, 4, 30], Tangent(xs => Max(xs[0], xs[1]), x, t));
        AreClose([6, 20, 6], Tangent(xs => Min(xs[0], xs[1]), x, t));
    }

    [TestMethod]
    public void MaxOfAValueWithItselfHasItsTangent() =>
        AreClose([1, -2], Tangent(xs => Max(xs[0], xs[0]), [H(new[] { 0.5, 0.5 }, 2)], [H(new[] { 1.0, -2 }, 2)]));

    [TestMethod]
    public void ReduceMaxAndMinAverageTheTangentOverTies()
    {
        HostTensor[] x = [H(new[] { 3.0, 1, 3, 0, 0, 2 }, 2, 3)];
        HostTensor[] t = [H(new[] { 1.0, 2, 5, 7, 9, 4 }, 2, 3)];
        AreClose([3, 4], Tangent(xs => ReduceMax(xs[0], 1), x, t));
        AreClose([2, 8], Tangent(xs => ReduceMin(xs[0], 1), x, t));
    }

    [TestMethod]
    public void PowWithAZeroBaseHasAFiniteExponentTangent()
    {
        // d/db 0^b = 0 (log 0 is replaced by log 1, as in the VJP); d/da a^2 at 0 = 0.
        var tangent = Tangent(xs => Pow(xs[0], xs[1]), [H(new[] { 0.0 }, 1), H(new[] { 2.0 }, 1)], [H(new[] { 1.0 }, 1), H(new[] { 1.0 }, 1)]);
        AreClose([0], tangent);
    }

    [TestMethod]
    public void AbsAndSignAtTheirKinks()
    {
        AreClose([0, 3], Tangent(xs => Abs(xs[0]), [H(new[] { 0.0, -1 }, 2)], [H(new[] { 5.0, -3 }, 2)]));
        AreClose([0, 0], Tangent(xs => Sign(xs[0]), [H(new[] { 0.0, -1 }, 2)], [H(new[] { 5.0, -3 }, 2)]));
    }
}
