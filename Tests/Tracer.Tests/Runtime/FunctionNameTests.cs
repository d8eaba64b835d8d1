namespace Tracer.Tests.Runtime;

/// <summary>Regression: miss explanations printed "Grad(&lt;Main.lambda)" for lambdas in top-level programs.</summary>
[TestClass]
[DoNotParallelize]
public class FunctionNameTests
{
    [TestMethod]
    [DataRow("Loss", "Loss")]
    [DataRow("<<Main>$>b__0_0", "Main.lambda")]
    [DataRow("<<Main>$>g__Loss|0_2", "Loss")]
    [DataRow("<Train>b__3_1", "Train.lambda")]
    [DataRow("<Train>g__Step|3_0", "Step")]
    [DataRow("<<Train>b__3_1>b__0", "Train.lambda.lambda")]
    public void CompilerGeneratedNamesBecomeReadable(string method, string expected) =>
        Assert.AreEqual(expected, Jit.Readable(method));

    [TestMethod]
    public void MissExplanationsNameTheEnclosingMethod()
    {
        string? seen = null;
        void Handler(CacheMiss m) => seen ??= m.Explanation;
        Jit.Cache.Miss += Handler;
        try
        {
            Jit.Grad((Tensor x) => Ops.Sum(x * x))(Tensor.Zeros(DType.Float32, 3));
        }
        finally
        {
            Jit.Cache.Miss -= Handler;
        }
        StringAssert.StartsWith(seen, "Grad(MissExplanationsNameTheEnclosingMethod.lambda)");
    }
}
