using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

[TestClass]
public sealed class RuleTableTests
{
    [TestMethod]
    public void EveryPrimitiveHasARuleForItsOwnOp()
    {
        var missing = new List<string>();
        foreach (var op in OpInfo.Primitives())
        {
            var rule = RuleTable.Default.Find(op);
            if (rule is null) missing.Add(op.Name());
            else Assert.AreEqual(op, rule.Op, $"the rule registered for {op.Name()} is for {rule.Op.Name()}");
        }
        Assert.IsEmpty(missing, "primitives without a rule: " + string.Join(", ", missing));
    }

    /// <summary>House rule 2: every primitive is complete. custom_vjp_call's rule is checked with the custom rules.</summary>
    [TestMethod]
    public void EveryPrimitiveHasJvpAndBatchingRules()
    {
        var gaps = new List<string>();
        foreach (var op in OpInfo.Primitives())
        {
            if (op == OpCode.Custom) continue;
            var type = RuleTable.Default.Get(op).GetType();
            if (type.GetMethod(nameof(PrimitiveRule.Jvp))!.DeclaringType == typeof(PrimitiveRule)) gaps.Add($"{op.Name()} (JVP)");
            if (type.GetMethod(nameof(PrimitiveRule.Batch))!.DeclaringType == typeof(PrimitiveRule)) gaps.Add($"{op.Name()} (batching)");
        }
        Assert.IsEmpty(gaps, "primitives without a forward-mode or batching rule: " + string.Join(", ", gaps));
    }

    [TestMethod]
    public void LeavesNeedNoRule()
    {
        Assert.IsNull(RuleTable.Default.Find(OpCode.Input));
        Assert.IsNull(RuleTable.Default.Find(OpCode.Literal));
        Assert.IsNull(RuleTable.Default.Find(OpCode.Constant));
    }

    [TestMethod]
    public void OnlyComparisonsStopGradientBitwiseOpsAndArgSortAreMarkedNonDifferentiable()
    {
        foreach (var op in OpInfo.Primitives())
        {
            // The bitwise and logical family (jitergo) computes integers and bools only.
            bool bitwise = op is OpCode.BitwiseAnd or OpCode.BitwiseOr or OpCode.BitwiseXor or OpCode.BitwiseNot
                or OpCode.ShiftLeft or OpCode.ShiftRightLogical;
            // argsort (ops-shape family) has an integer result: sort's gradient flows through the gather it feeds.
            bool expected = op.Kind() == OpKind.Compare || op == OpCode.StopGradient || bitwise || op == OpCode.ArgSort;
            Assert.AreEqual(expected, RuleTable.Default.Get(op).IsNonDifferentiable, op.Name());
        }
    }

    [TestMethod]
    public void RegisteringTwoRulesForOneOpFails()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new RuleTable([new CastRule(), new CastRule()]));
        StringAssert.Contains(ex.Message, "convert_element_type");
    }
}
