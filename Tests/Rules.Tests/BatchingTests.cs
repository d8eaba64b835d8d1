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
            .Where(op => op != OpCode.Custom && op.Kind() != OpKind.ControlFlow && !covered.Contains(op))
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

/// <summary>
/// Batching composed with the derivative transforms: vmap of a JVP and vmap of a gradient (per-example gradients),
/// so the batching rules also run over the IR the JVP and VJP rules emit (comparisons, selects, casts, scatters).
/// </summary>
[TestClass]
public sealed class BatchingCompositionTests
{
    private static readonly Dictionary<string, GradCase> Cases = GradientCases.All.ToDictionary(c => c.Name);

    public static IEnumerable<object[]> CaseNames => GradientTests.CaseNames;

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void VmapOfJvpMatchesALoop(string name)
    {
        var c = Cases[name];
        int n = c.Shapes.Length;
        var jvp = ForwardMode.Jvp(JvpCheck.Forward(c, n), n);
        var types = jvp.Inputs.Select(x => x.Type).ToArray();
        BatchCheck.Run(new BatchCase(c.Name + " (jvp)", c.Op, types, xs => Replay.Inline(jvp, xs)[1]) { Sample = c.Sample });
    }

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void VmapOfGradientMatchesALoop(string name)
    {
        var c = Cases[name];
        int n = c.Shapes.Length;
        var loss = GradientCheck.BuildLoss(c, new Random(7));
        var grad = ReverseMode.ValueAndGrad(loss, Enumerable.Range(0, n).ToArray());
        var types = grad.Inputs.Select(x => x.Type).ToArray();
        BatchCheck.Run(new BatchCase(c.Name + " (grad)", c.Op, types, xs => Replay.Inline(grad, xs)[n]) { Sample = c.Sample });
    }
}
