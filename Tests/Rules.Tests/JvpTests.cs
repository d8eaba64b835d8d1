using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>JVP rules against central finite differences in float64, alone and composed with reverse mode.</summary>
[TestClass]
public sealed class JvpTests
{
    private static readonly Dictionary<string, GradCase> Cases = GradientCases.All.ToDictionary(c => c.Name);

    public static IEnumerable<object[]> CaseNames => GradientTests.CaseNames;

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void TangentMatchesFiniteDifferences(string name) => JvpCheck.FirstOrder(Cases[name]);

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void ReverseOverForwardMatchesFiniteDifferences(string name) => JvpCheck.ReverseOverForward(Cases[name]);

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void ForwardOverReverseMatchesFiniteDifferences(string name) => JvpCheck.ForwardOverReverse(Cases[name]);

    /// <summary>
    /// Every batching case (f32, i32 and bool too) through the forward-mode transform: tangents typed like their
    /// outputs, zero for integer and bool outputs, and against central differences (in float32 with a larger step
    /// when anything is computed in float32)
    /// where the output is a float. Integer and bool inputs carry no tangent.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(BatchCaseNames))]
    public void TangentOverEveryDType(string name)
    {
        var c = BatchCases.All.Single(b => b.Name == name);
        int n = c.Inputs.Length;
        var builder = new GraphBuilder(RuleTable.Default, null);
        Graph f;
        using (builder.Activate())
        {
            var xs = Array.ConvertAll(c.Inputs, builder.Input);
            foreach (var t in c.Inputs) builder.Input(t);
            f = builder.Build([c.Build(xs)]);
        }
        var jvp = ForwardMode.Jvp(f, n);
        Verifier.Verify(jvp);
        var rng = new Random(GradientCheck.StableSeed(name));
        var x = new Array[n];
        var dir = new Array[n];
        for (int k = 0; k < n; k++)
        {
            x[k] = BatchCheck.Draw(c, k, c.Inputs[k], rng);
            var t = GradientCheck.Random(rng, c.Inputs[k].Shape.Size);
            dir[k] = c.Inputs[k].DType.IsFloat() ? HostArrays.FromDouble(t, c.Inputs[k].DType) : c.Inputs[k].DType.NewArray(t.Length);
        }
        var outs = Interpreter.Run(RuleTable.Default, jvp, [.. x, .. dir]);
        var y = f.Outputs[0];
        Assert.AreEqual(y.DType, DTypeExtensions.OfArray(outs[1]), $"{name}: tangent dtype");
        var tangent = HostArrays.ToDouble(outs[1]);
        if (!y.DType.IsFloat() || f.Equations.Any(e => e.Op == OpCode.StopGradient))
        {
            Assert.IsTrue(tangent.All(v => v == 0), $"{name}: the tangent must be zero (integer/bool output or stop_gradient)");
            return;
        }
        bool single = f.Equations.Any(e => e.DType == DType.Float32);
        double h = single ? 1e-2 : 1e-6, tolerance = single ? 2e-2 : 1e-5;
        Array[] Shifted(double s)
        {
            var shifted = new Array[n];
            for (int k = 0; k < n; k++)
            {
                if (!c.Inputs[k].DType.IsFloat()) { shifted[k] = x[k]; continue; }
                var xk = HostArrays.ToDouble(x[k]);
                var tk = HostArrays.ToDouble(dir[k]);
                shifted[k] = HostArrays.FromDouble(xk.Select((v, j) => v + s * tk[j]).ToArray(), c.Inputs[k].DType);
            }
            return [.. shifted, .. dir];
        }
        var up = HostArrays.ToDouble(Interpreter.Run(RuleTable.Default, f, Shifted(h))[0]);
        var down = HostArrays.ToDouble(Interpreter.Run(RuleTable.Default, f, Shifted(-h))[0]);
        for (int i = 0; i < tangent.Length; i++)
        {
            double numeric = (up[i] - down[i]) / (2 * h);
            Assert.IsTrue(Math.Abs(tangent[i] - numeric) <= tolerance * Math.Max(1, Math.Abs(numeric)),
                $"{name}: element {i}: JVP {tangent[i]:R} vs finite difference {numeric:R}\n{jvp}");
        }
    }

    public static IEnumerable<object[]> BatchCaseNames => BatchCases.All.Select(c => new object[] { c.Name });
}
