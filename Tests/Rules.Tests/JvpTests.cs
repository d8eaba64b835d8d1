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
}
