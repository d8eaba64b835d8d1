using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

/// <summary>
/// The extra elementwise primitives exported to ONNX and run in ONNX Runtime: the ones with an ONNX operator (or a
/// short spelling: erfc, trunc, float mod) agree with Tracer; the ones without (atan2, lgamma, polygamma) are a
/// clear error naming the primitive.
/// </summary>
[TestClass]
public sealed class OnnxSpecialOpsTests
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Unary = new()
    {
        ["asin"] = x => Asin(x / 4.0), ["acos"] = x => Acos(x / 4.0), ["atan"] = Atan, ["sinh"] = Sinh, ["cosh"] = Cosh,
        ["asinh"] = Asinh, ["acosh"] = x => Acosh(Abs(x) + 1.0), ["atanh"] = x => Atanh(x / 4.0), ["erf"] = Erf,
        ["erfc"] = Erfc, ["floor"] = Floor, ["ceil"] = Ceil, ["round"] = Round, ["trunc"] = Trunc,
        ["mod"] = x => Mod(x, 1.5) + Mod(x, -0.75),
    };

    public static IEnumerable<object[]> Names() => Unary.Keys.Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void AgreesWithOnnxRuntime(string name)
    {
        // Halves included: ONNX Round goes half to even too.
        var x = Tensor.FromArray(new float[] { -3.5f, -2.5f, -1.2f, -0.5f, 0, 0.3f, 0.5f, 1.5f, 2.5f, 3.7f }, 10);
        var f = Unary[name];
        string file = TempFile($"special-{name}.onnx");
        Tracer.Onnx.Export(f, file, x);
        AssertClose(f(x), Run(file, ("input", x))[0], 1e-5, name);
    }

    [TestMethod]
    public void IntegerModHasTheSignOfTheDivisor()
    {
        var a = Tensor.FromArray(new[] { 7, -7, 7, -7, 6 }, 5);
        var b = Tensor.FromArray(new[] { 3, 3, -3, -3, 3 }, 5);
        Func<Tensor, Tensor, Tensor> f = (s, t) => Mod(s, t);
        string file = TempFile("special-mod-i32.onnx");
        Tracer.Onnx.Export(f, file, a, b);
        AssertClose(f(a, b), Run(file, ("input0", a), ("input1", b))[0], 0, "i32 mod");
    }

    [TestMethod]
    [DataRow("atan2")]
    [DataRow("lgamma")]
    [DataRow("polygamma")]
    public void PrimitivesWithoutAnOnnxOperatorAreAClearError(string primitive)
    {
        Func<Tensor, Tensor> f = primitive switch
        {
            "atan2" => x => Atan2(x, 1.0),
            "lgamma" => Lgamma,
            _ => Digamma,
        };
        var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => Tracer.Onnx.Export(f, TempFile($"special-{primitive}.onnx"), x));
        StringAssert.Contains(ex.Message, $"'{primitive}'");
    }
}
