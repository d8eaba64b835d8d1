using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>VJP rules against central finite differences in float64, to first and second order.</summary>
[TestClass]
public sealed class GradientTests
{
    private static readonly Dictionary<string, GradCase> Cases = GradientCases.All.ToDictionary(c => c.Name);

    public static IEnumerable<object[]> CaseNames => GradientCases.All.Select(c => new object[] { c.Name });

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void FirstOrderMatchesFiniteDifferences(string name) => GradientCheck.FirstOrder(Cases[name]);

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void SecondOrderMatchesFiniteDifferences(string name) => GradientCheck.SecondOrder(Cases[name]);

    [TestMethod]
    public void EveryDifferentiablePrimitiveHasAGradientCase()
    {
        var covered = GradientCases.All.Select(c => c.Op).ToHashSet();
        var missing = OpInfo.Primitives()
            // custom_vjp_call's derivatives are the user's pullback (Tracer.Tests' CustomRuleTests); scan, while and
            // switch are higher-order: Tracer.Tests' ControlFlowTests check their derivatives and batching.
            .Where(op => op != OpCode.Custom && op.Kind() != OpKind.ControlFlow && !RuleTable.Default.Get(op).IsNonDifferentiable && !covered.Contains(op))
            .Select(op => op.Name()).ToList();
        Assert.IsEmpty(missing, "differentiable primitives without a gradient check: " + string.Join(", ", missing));
    }
}
