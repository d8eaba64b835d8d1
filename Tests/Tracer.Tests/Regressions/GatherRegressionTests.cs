using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Regression tests: a vmapped Take whose operand and indices are both batched read the neighbouring example for an
/// out-of-range index (and sent its gradient there); index errors depended on the path (eager ArgumentException,
/// compiled IndexOutOfRangeException, or AggregateException when another thread ran a parallel kernel).
/// </summary>
[TestClass]
public class GatherRegressionTests
{
    private static readonly Tensor Rows = Tensor.FromArray(new float[] { 0, 1, 2, 10, 11, 12 }, 2, 3);

    private static readonly Func<Tensor, Tensor, Tensor> PerRow =
        Jit.Vmap((Tensor row, Tensor i) => Take(row, i, 0), new int?[] { 0, 0 });

    [TestMethod]
    public void VmappedTakeChecksEachExamplesIndicesAgainstItsOwnRow()
    {
        // Returned [[10], [2]]: example 0's index 3 read example 1's first element, example 1's -1 read example 0's last.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PerRow(Rows, Tensor.FromArray(new[] { 3, -1 }, 2, 1)));
        StringAssert.Contains(e.Message, "index 3 is out of range for an axis of size 3");
        StringAssert.Contains(e.Message, "gather");
        e = Assert.Throws<ArgumentOutOfRangeException>(() => PerRow(Rows, Tensor.FromArray(new[] { 1, -1 }, 2, 1)));
        StringAssert.Contains(e.Message, "index -1 is out of range for an axis of size 3");
        // Unbatched Take rejects the same indices with the same exception type.
        Assert.Throws<ArgumentOutOfRangeException>(() => Take(Tensor.FromArray(new float[] { 0, 1, 2 }, 3), Tensor.FromArray(new[] { 3 }, 1), 0));
        // The same delegate works afterwards.
        CollectionAssert.AreEqual(new float[] { 2, 10 }, PerRow(Rows, Tensor.FromArray(new[] { 2, 0 }, 2, 1)).ToFloatArray());
    }

    [TestMethod]
    public void PerExampleGradientsOfAGatherStayInTheirExample()
    {
        var perExample = Jit.Vmap(Jit.Grad((Tensor row, Tensor i) => Sum(Take(row, i, 0) * Take(row, i, 0))), new int?[] { 0, 0 });
        var g = perExample(Rows, Tensor.FromArray(new[] { 2, 2, 0, 1 }, 2, 2)).ToFloatArray();
        // Example 0 takes element 2 twice: 2 * 2 * 2 = 8 there; example 1 takes elements 0 and 1 once each.
        CollectionAssert.AreEqual(new float[] { 0, 0, 8, 20, 22, 0 }, g);
        Assert.Throws<ArgumentOutOfRangeException>(() => perExample(Rows, Tensor.FromArray(new[] { 2, 3, 0, 1 }, 2, 2)));
    }

    [TestMethod]
    public void IndexErrorsHaveOneTypeEagerAndCompiled()
    {
        var x = Tensor.FromArray(new float[65536 * 8], 65536, 8);
        var bad = Tensor.FromArray(new[] { 0, 9 }, 2);
        var take = Jit.Compile((Tensor a, Tensor i) => Take(a, i, 1) * 2.0);
        var eager = Assert.Throws<ArgumentOutOfRangeException>(() => Take(x, bad, 1));
        StringAssert.Contains(eager.Message, "index 9 is out of range for axis 1 of size 8");
        var compiled = Assert.Throws<ArgumentOutOfRangeException>(() => take(x, bad));
        StringAssert.Contains(compiled.Message, "gather on axis 1 of f32[65536,8] with indices i32[2]: index 9");

        // Under load (another thread inside a parallel kernel) the same exception comes unwrapped: see
        // KernelThreadsTests.ErrorsOfAFallbackRegionAreThrownUnwrapped, which holds a region open deterministically.
    }
}
