using CsCheck;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Properties;

/// <summary>
/// Random calls, most of them bad, against public entries of Ops, Jit, Tree and the optimisers: each either
/// succeeds or throws a documented exception type (the ArgumentException family, InvalidOperationException,
/// NotSupportedException) whose message names the operation, never another type (NullReference, IndexOutOfRange,
/// Overflow, Aggregate...), and the same compiled delegate still gives the right answer afterwards.
/// </summary>
[TestClass]
public class BadCallPropertyTests
{
    /// <summary>One random call: which entry, a tensor shape, and integers for its other arguments (axes, shapes, indices).</summary>
    public sealed record Call(int Entry, int[] Shape, DType DType, int[] Ints)
    {
        public override string ToString() => $"{Entries[Entry].Name} on {DType.ShortName()}{Tracer.Shape.Format(Shape)} with ({string.Join(", ", Ints)})";
    }

    private sealed record Entry(string Name, string[] Mentions, Func<Tensor, int[], object?> Run);

    /// <summary>A tensor of the (absolute values of the) given dimensions: partners of wrong shape, not invalid shapes.</summary>
    private static Tensor Make(int[] shape, DType dtype)
    {
        shape = Array.ConvertAll(shape, Math.Abs);
        int n = 1;
        foreach (int d in shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i % 7 - 3;
        return Cast(Tensor.FromArray(v, shape), dtype);
    }

    private static int At(int[] ints, int i) => ints.Length == 0 ? 0 : ints[i % ints.Length];

    // Compiled once; each bad call through them must leave them working.
    private static readonly Func<Tensor, Tensor, Tensor> CompiledTake = Jit.Compile((Tensor x, Tensor i) => Take(x, i, 0));
    private static readonly Func<Tensor, Tensor> CompiledGrad = Jit.Grad((Tensor x) => Sum(x * x));
    private static readonly Func<Tensor, Tensor, Tensor> CompiledMatMul = Jit.Compile((Tensor a, Tensor b) => MatMul(a, b));

    private static readonly Entry[] Entries =
    [
        new("Reshape", ["Reshape"], (x, k) => Reshape(x, k)),
        new("Transpose", ["transpose", "Transpose"], (x, k) => Transpose(x, k)),
        new("BroadcastTo", ["broadcast", "BroadcastTo"], (x, k) => BroadcastTo(x, k)),
        new("Slice", ["Slice", "slice"], (x, k) => Slice(x, k[..(k.Length / 2)], k[(k.Length / 2)..])),
        new("Sum", ["Sum", "reduce_sum"], (x, k) => Sum(x, k)),
        new("Max", ["Max", "reduce_max"], (x, k) => Max(x, k, keepDims: At(k, 0) % 2 == 0)),
        new("Softmax", ["Softmax"], (x, k) => Softmax(x, At(k, 0))),
        new("Squeeze", ["Squeeze"], (x, k) => Squeeze(x, k)),
        new("ExpandDims", ["ExpandDims"], (x, k) => ExpandDims(x, At(k, 0))),
        new("Concat", ["Concat", "concatenate"], (x, k) => Concat(At(k, 0), x, Make(k.Length > 1 ? k[1..] : [], x.DType))),
        new("Stack", ["Stack"], (x, k) => Stack(At(k, 0), x, Make(k.Length > 1 ? k[1..] : [], x.DType))),
        new("Take", ["Take", "gather"], (x, k) => Take(x, Tensor.FromArray(k, k.Length), At(k, 0) % 3)),
        new("compiled Take", ["gather"], (x, k) => CompiledTake(x, Tensor.FromArray(k, k.Length))),
        new("MatMul", ["MatMul", "matmul"], (x, k) => MatMul(x, Make(k, x.DType))),
        new("compiled MatMul", ["MatMul", "matmul"], (x, k) => CompiledMatMul(x, Make(k, x.DType))),
        new("Pow", ["pow"], (x, k) => Pow(x, Make(k, x.DType))),
        new("Where", ["Where", "select"], (x, k) => Where(Make(k, DType.Bool), x, 1.0)),
        new("binary", ["add", "sub", "mul", "div"], (x, k) => x + Make(k, x.DType) * 2 - x / 3.0),
        new("Zeros", ["shape", "Tensor"], (x, k) => Tensor.Zeros(x.DType, k)),
        new("FromArray", ["Tensor.FromArray", "shape"], (x, k) => Tensor.FromArray(new float[x.Shape.Size], k)),
        new("Grad", ["Grad", "differentiate", "loss", "mul"], (x, k) => CompiledGrad(x)),
        new("Unflatten", ["Tree.Unflatten"], (x, k) => Tree.Unflatten((x, x), new Tensor[k.Length % 4])),
        new("Adam.Update", ["Adam.Update"], (x, k) =>
        {
            var opt = new Adam();
            var other = Make(k, x.DType);
            return opt.Update(x, x, opt.Init(other));
        }),
        new("CrossEntropy", ["Losses.CrossEntropy", "Losses.SoftCrossEntropy", "one_hot", "OneHot"], (x, k) =>
            Nn.Losses.CrossEntropy(x, Make(k, DType.Int32))),
    ];

    public static readonly Gen<Call> Calls =
        Gen.Select(
            Gen.Int[0, Entries.Length - 1],
            Gen.Int[0, 4].Array[0, 3],
            Gen.Enum<DType>(),
            Gen.Int[-3, 5].Array[0, 5],
            (entry, shape, dtype, ints) => new Call(entry, shape, dtype, ints));

    private static readonly Type[] Documented = [typeof(ArgumentException), typeof(InvalidOperationException), typeof(NotSupportedException)];

    [TestMethod]
    [Timeout(600_000)]
    public void BadCallsThrowDocumentedExceptionsNamingTheOperation() => PropertyRuns.Check(Calls, call =>
    {
        var entry = Entries[call.Entry];
        try
        {
            entry.Run(Make(call.Shape, call.DType), call.Ints);
        }
        catch (Exception e)
        {
            Assert.IsTrue(Array.Exists(Documented, t => t.IsInstanceOfType(e)), $"{call}: undocumented {e.GetType().Name}: {e}");
            Assert.IsTrue(Array.Exists(entry.Mentions, m => e.Message.Contains(m, StringComparison.OrdinalIgnoreCase)),
                $"{call}: the message does not name the operation ({string.Join(" or ", entry.Mentions)}): {e.Message}");
        }
        // The compiled delegates still work.
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        CollectionAssert.AreEqual(new float[] { 3, 1 }, CompiledTake(x, Tensor.FromArray(new[] { 2, 0 }, 2)).ToFloatArray(), call.ToString());
        CollectionAssert.AreEqual(new float[] { 2, 4, 6 }, CompiledGrad(x).ToFloatArray(), call.ToString());
    }, ciRuns: 400);
}
