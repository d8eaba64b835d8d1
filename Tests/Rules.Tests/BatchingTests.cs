using Tracer.Compiler;

namespace Tracer.Tests;

/// <summary>Batching (vmap) rules against a loop over examples, for every primitive and several batch-axis choices.</summary>
[TestClass]
public sealed class BatchingTests
{
    private static readonly Dictionary<string, BatchCase> Cases = BatchCases.All.ToDictionary(c => c.Name);

    public static IEnumerable<object[]> CaseNames => BatchCases.All.Select(c => new object[] { c.Name });

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void BatchedMatchesALoop(string name) => BatchCheck.Run(Cases[name]);

    [TestMethod]
    public void EveryPrimitiveHasABatchingCase()
    {
        var covered = BatchCases.All.Select(c => c.Op).ToHashSet();
        var missing = OpInfo.Primitives()
            // custom_vjp_call's batching rule batches the user's definition: Tracer.Tests' custom rule tests check it.
            .Where(op => op != OpCode.Custom && !covered.Contains(op))
            .Select(op => op.Name()).ToList();
        Assert.IsEmpty(missing, "primitives without a batching check: " + string.Join(", ", missing));
    }

    [TestMethod]
    public void EveryCaseUsesItsPrimitive()
    {
        foreach (var c in BatchCases.All)
        {
            var g = BatchCheck.PerExample(c);
            Assert.IsTrue(g.Equations.Any(e => e.Op == c.Op), $"{c.Name}: the traced case does not use {c.Op.Name()}\n{g}");
        }
    }
}
