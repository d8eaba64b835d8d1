using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>Regression tests: bad arguments that used to surface as unclear exceptions.</summary>
[TestClass]
public class ErrorRegressionTests
{
    private static readonly Tensor X = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);

    private static void NullIsNamed(Action call, string op, string argument)
    {
        // Was a NullReferenceException from deep inside, naming neither the operation nor the argument.
        var e = Assert.Throws<ArgumentNullException>(call);
        StringAssert.Contains(e.Message, op);
        Assert.AreEqual(argument, e.ParamName);
    }

    [TestMethod]
    public void NullArgumentsNameTheOperationAndTheArgument()
    {
        var c = Greater(X, 2.0);
        NullIsNamed(() => Where(null!, X, X), "Where", "condition");
        NullIsNamed(() => Where(c, null!, X), "Where", "a");
        NullIsNamed(() => Where(c, null!, 0.0), "Where", "a");
        NullIsNamed(() => Concat(0, X, null!), "Concat: element 1", "xs");
        NullIsNamed(() => Stack(0, null!, X), "Stack: element 0", "xs");
        NullIsNamed(() => Concat(0, null!), "Concat", "xs");
        NullIsNamed(() => Reshape(X, null!), "Reshape", "shape");
        NullIsNamed(() => Slice(X, null!, [1, 1]), "Slice", "starts");
        NullIsNamed(() => Slice(X, [0, 0], null!), "Slice", "ends");
        NullIsNamed(() => BroadcastTo(X, null!), "BroadcastTo", "shape");
        NullIsNamed(() => _ = X + (Tensor)null!, "add", "b");
        NullIsNamed(() => _ = 2.0 * (Tensor)null!, "mul", "b");
        NullIsNamed(() => Sin(null!), "sin", "x");
        NullIsNamed(() => Sum(null!), "Sum", "x");
        NullIsNamed(() => MatMul(X, null!), "MatMul", "b");
        NullIsNamed(() => Take(X, null!, 0), "Take", "indices");
        NullIsNamed(() => Cast(null!, DType.Float64), "Cast", "x");
    }

    [TestMethod]
    public void ShapesWithTooManyElementsAreRejected()
    {
        // Was "Arithmetic operation resulted in an overflow".
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(DType.Float32, 50000, 50000));
        StringAssert.Contains(e.Message, "[50000,50000] has 2.5E+09 elements");
        StringAssert.Contains(e.Message, "at most 2147483647");
        // Four dimensions of 65536 wrapped the element count to 0 and made an empty tensor.
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(DType.Float32, 65536, 65536, 65536, 65536));
        StringAssert.Contains(e.Message, "more than a tensor can hold");
        // A zero dimension makes any shape empty.
        Assert.AreEqual(0, Tensor.Zeros(DType.Float32, 0, 65536, 65536, 65536).Shape.Size);
        // Broadcasting can overflow too.
        var tall = Tensor.Zeros(DType.Float32, 70000, 1);
        var wide = Tensor.Zeros(DType.Float32, 1, 70000);
        Assert.Throws<ArgumentException>(() => tall + wide);
    }

    [TestMethod]
    public void ARulesPullbackMustReturnItsInputsDType()
    {
        // Was silently cast: an i32 cotangent truncated the gradient to 0.
        var truncating = Rule.Define("truncating", x => (x * 2.0, dy => Cast(dy * 0.4, DType.Int32)));
        var f = Jit.Grad((Tensor x) => Sum(truncating(x)));
        var e = Assert.Throws<ArgumentException>(() => f(Tensor.FromArray(new float[] { 1, 2 }, 2)));
        StringAssert.Contains(e.Message, "truncating");
        StringAssert.Contains(e.Message, "i32[2]");
        StringAssert.Contains(e.Message, "f32[2]");

        var wide = Rule.Define("wide", x => (x * 2.0, dy => Cast(dy, DType.Float64) * 2.0));
        e = Assert.Throws<ArgumentException>(() => Jit.Grad((Tensor x) => Sum(wide(x)))(Tensor.FromArray(new float[] { 1 }, 1)));
        StringAssert.Contains(e.Message, "wide");
        StringAssert.Contains(e.Message, "f64[1]");
        // The same delegate works afterwards with a valid input of the same rule (f64 in, f64 cotangent).
        Assert.AreEqual(2.0, Jit.Grad((Tensor x) => Sum(wide(x)))(Tensor.FromArray(new double[] { 1 }, 1)).Item());
    }

    [TestMethod]
    public void GradOfAnIntegerInputBlamesTheInputNotTheReduction()
    {
        var f = Jit.Grad((Tensor x) => Sum(x));
        var e = Assert.Throws<ArgumentException>(() => f(Tensor.FromArray(new[] { 1, 2 }, 2)));
        StringAssert.Contains(e.Message, "cannot differentiate with respect to leaf 0");
        Assert.DoesNotContain("reduce it with Sum", e.Message);
        // A one-element integer loss of a float input: the remedy is a float loss, not a reduction.
        var g = Jit.Grad((Tensor x) => Cast(Sum(x), DType.Int32));
        e = Assert.Throws<ArgumentException>(() => g(Tensor.FromArray(new float[] { 1, 2 }, 2)));
        StringAssert.Contains(e.Message, "compute the loss in f32 or f64");
        CollectionAssert.AreEqual(new float[] { 1, 1 }, f(Tensor.FromArray(new float[] { 1, 2 }, 2)).ToFloatArray());
    }
}
