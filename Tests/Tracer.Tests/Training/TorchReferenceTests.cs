using System.Reflection;
using System.Text.Json;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Training;

/// <summary>
/// Every rule torch.optim has, step by step against the trajectories in Fixtures/torch_optim_trajectories.json
/// (made by scripts/torch_optim_reference.py with Debian's PyTorch 1.13, float64). The rule is built by
/// reflection from the fixture's argument names, so a renamed constructor parameter or a changed default fails here.
/// </summary>
[TestClass]
public class TorchReferenceTests
{
    public sealed record Quad(Tensor W, Tensor B);

    private static readonly JsonDocument Fixture = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TrainingTestUtil.Root(), "Tests", "Tracer.Tests", "Training", "Fixtures", "torch_optim_trajectories.json")));

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static IEnumerable<object[]> Cases()
    {
        int i = 0;
        foreach (var c in Fixture.RootElement.GetProperty("cases").EnumerateArray())
            yield return [i++, c.GetProperty("rule").GetString()!, c.GetProperty("args").GetRawText()];
    }

    /// <summary>Builds a rule from named arguments; missing ones take the constructor's defaults.</summary>
    internal static Optimiser Make(string rule, IReadOnlyDictionary<string, double> args)
    {
        var type = typeof(Optimiser).Assembly.GetType("Tracer.Training." + rule) ?? throw new AssertFailedException("no rule " + rule);
        var ctor = type.GetConstructors().Single();
        var ps = ctor.GetParameters();
        foreach (var name in args.Keys)
            Assert.IsTrue(ps.Any(p => p.Name == name), $"{rule} has no constructor parameter '{name}'");
        return (Optimiser)ctor.Invoke(ps.Select(p => args.TryGetValue(p.Name!, out var v) ? v : p.DefaultValue).ToArray());
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesTorchStepByStep(int index, string rule, string argsJson)
    {
        var root = Fixture.RootElement;
        var s = Tensor.FromArray(Doubles(root.GetProperty("S")), 2, 3);
        var target = Tensor.FromArray(Doubles(root.GetProperty("T")), 2, 3);
        var c = Tensor.FromArray(Doubles(root.GetProperty("C")), 3);
        Func<Quad, Tensor> loss = q => 0.5 * Sum(s * Square(q.W - target)) + Sum(Log1p(Square(q.B - c)));
        var grad = Jit.Grad(loss);

        var args = JsonSerializer.Deserialize<Dictionary<string, double>>(argsJson)!;
        var opt = Make(rule, args);
        var model = new Quad(Tensor.FromArray(Doubles(root.GetProperty("W0")), 2, 3), Tensor.FromArray(Doubles(root.GetProperty("B0")), 3));
        var state = opt.Init(model);
        int step = 0;
        foreach (var expected in root.GetProperty("cases")[index].GetProperty("steps").EnumerateArray())
        {
            step++;
            (model, state) = opt.Update(model, grad(model), state);
            string what = $"{rule}({argsJson}) step {step}";
            TrainingTestUtil.AssertClose(Doubles(expected.GetProperty("W")), model.W.ToDoubleArray(), 1e-9, 1e-12, what + " W");
            TrainingTestUtil.AssertClose(Doubles(expected.GetProperty("b")), model.B.ToDoubleArray(), 1e-9, 1e-12, what + " b");
        }
        Assert.AreEqual(step, (int)state.Step.Item());
    }

    [TestMethod]
    public void FixtureCoversEveryTorchRule()
    {
        var rules = Cases().Select(c => (string)c[1]).ToHashSet();
        foreach (var r in new[] { "Descent", "Momentum", "Nesterov", "Adam", "AdamW", "AMSGrad", "AdaDelta", "AdaGrad", "RMSProp", "AdaMax", "NAdam", "RAdam" })
            Assert.Contains(r, rules);
    }
}
