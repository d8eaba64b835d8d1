using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer.Tests;

[TestClass]
public class CheckpointTests
{
    /// <summary>A block of ten elementwise ops whose derivatives need their inputs.</summary>
    private static Tensor Block(Tensor x)
    {
        for (int i = 0; i < 5; i++) x = Tanh(x * 1.1) + Sin(x) * 0.5;
        return x;
    }

    [TestMethod]
    public void CheckpointedGradientEqualsThePlainOne()
    {
        var x = TestUtil.Random(new Random(1), DType.Float64, -1, 1, 16);
        var plain = Jit.Grad((Tensor t) => Sum(Block(Block(t))))(x);
        var block = Jit.Checkpoint<Tensor>(Block);
        var remat = Jit.Grad((Tensor t) => Sum(block(block(t))))(x);
        TestUtil.AssertClose(plain.ToDoubleArray(), remat.ToDoubleArray(), 1e-12, 1e-12, "gradient");
        Assert.AreEqual(Sum(Block(Block(x))).Item(), Jit.Compile((Tensor t) => Sum(block(block(t))))(x).Item(), 1e-12);
    }

    [TestMethod]
    public void StoredIntermediatesShrink()
    {
        var x = Tensor.Zeros(DType.Float32, 1024);
        var block = Jit.Checkpoint<Tensor>(Block);
        Func<Tensor, Tensor> plain = t => Sum(Block(Block(Block(Block(t)))));
        Func<Tensor, Tensor> checkpointed = t => Sum(block(block(block(block(t)))));
        long plainPeak = PeakOfCompiledGradient(plain, x);
        long rematPeak = PeakOfCompiledGradient(checkpointed, x);
        Console.WriteLine($"peak live intermediates: plain {plainPeak} bytes, checkpointed {rematPeak} bytes");
        Assert.IsTrue(rematPeak * 2 < plainPeak, $"checkpointing should at least halve the peak: {rematPeak} vs {plainPeak}");

        // The recomputation is really there: the checkpointed backward graph evaluates tanh more often.
        int Count(Graph g) => g.Equations.Count(e => e.Op == OpCode.Tanh);
        Assert.IsTrue(Count(Final(checkpointed, x)) > Count(Final(plain, x)));
    }

    private static Graph Final(Func<Tensor, Tensor> f, Tensor x) =>
        Optimizer.Run(Jit.Trace(Jit.Grad(f), x), new OptimizeOptions(Final: true));

    private static long PeakOfCompiledGradient(Func<Tensor, Tensor> f, Tensor x) => GraphStats.PeakLiveBytes(Final(f, x));
}
