[assembly: Microsoft.VisualStudio.TestTools.UnitTesting.Parallelize(Scope = Microsoft.VisualStudio.TestTools.UnitTesting.ExecutionScope.ClassLevel)]

namespace Tracer.Tests;

[TestClass]
public static class AssemblySetup
{
    /// <summary>Every compile in the tests runs the graph verifier after each pipeline stage.</summary>
    [AssemblyInitialize]
    public static void VerifyEveryStage(TestContext _) => Jit.Config.VerifyStages = true;
}
