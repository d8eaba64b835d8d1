namespace Tracer.Distributed.Tests;

/// <summary>The replica checksum needs no MPI: it must see every bit, shape and dtype, and nothing else.</summary>
[TestClass]
public class ChecksumTests
{
    [TestMethod]
    public void EqualTreesHaveEqualChecksums()
    {
        var a = (W: Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2), B: Tensor.FromArray(new double[] { 0.5 }, 1));
        var b = (W: Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2), B: Tensor.FromArray(new double[] { 0.5 }, 1));
        Assert.AreEqual(Checksums.Of(a), Checksums.Of(b));
    }

    [TestMethod]
    public void OneUlpShapeOrDtypeChangesTheChecksum()
    {
        var w = new float[] { 1, 2, 3, 4 };
        ulong reference = Checksums.Of(Tensor.FromArray(w, 2, 2));
        var nudged = (float[])w.Clone();
        nudged[3] = MathF.BitIncrement(nudged[3]);
        Assert.AreNotEqual(reference, Checksums.Of(Tensor.FromArray(nudged, 2, 2)), "one ulp");
        Assert.AreNotEqual(reference, Checksums.Of(Tensor.FromArray(w, 4, 1)), "shape");
        Assert.AreNotEqual(reference, Checksums.Of(Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2)), "dtype");
    }
}
