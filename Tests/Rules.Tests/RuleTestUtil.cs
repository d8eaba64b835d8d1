using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>A host tensor for reference-implementation tests: row-major data and its shape.</summary>
internal sealed record HostTensor(Array Data, params int[] Dims)
{
    public TensorType Type => new(new Shape(Dims), DTypeExtensions.OfArray(Data));
}

internal static class RuleTestUtil
{
    public static TensorType T(DType dtype, params int[] dims) => new(new Shape(dims), dtype);

    public static TensorType F32(params int[] dims) => T(DType.Float32, dims);

    public static TensorType F64(params int[] dims) => T(DType.Float64, dims);

    public static TensorType I32(params int[] dims) => T(DType.Int32, dims);

    public static TensorType B(params int[] dims) => T(DType.Bool, dims);

    public static HostTensor H(Array data, params int[] dims) => new(data, dims);

    public static TensorType Infer(OpCode op, Attrs attrs, params TensorType[] inputs) =>
        RuleTable.Default.Get(op).InferType(attrs, inputs);

    public static TensorType Infer(OpCode op, params TensorType[] inputs) => Infer(op, Attrs.None, inputs);

    /// <summary>Types the op with its shape rule, then runs its reference implementation.</summary>
    public static (TensorType Type, Array Data) Eval(OpCode op, Attrs attrs, params HostTensor[] inputs)
    {
        var types = new TensorType[inputs.Length];
        var data = new Array[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            types[i] = inputs[i].Type;
            data[i] = inputs[i].Data;
        }
        var rule = RuleTable.Default.Get(op);
        var type = rule.InferType(attrs, types);
        var result = rule.Evaluate(attrs, type, types, data);
        Assert.AreEqual(type.Shape.Size, result.Length, $"{op.Name()}: result length");
        Assert.AreEqual(type.DType, DTypeExtensions.OfArray(result), $"{op.Name()}: result dtype");
        return (type, result);
    }

    public static Array Eval(OpCode op, params HostTensor[] inputs) => Eval(op, Attrs.None, inputs).Data;

    public static void AreClose(double[] expected, Array actual, double tolerance = 1e-12)
    {
        var a = actual switch
        {
            double[] d => d,
            float[] f => Array.ConvertAll(f, v => (double)v),
            _ => throw new AssertFailedException($"expected a float array, got {actual.GetType()}"),
        };
        Assert.HasCount(expected.Length, a);
        for (int i = 0; i < a.Length; i++)
        {
            bool ok = a[i] == expected[i] // also infinities
                || (double.IsNaN(expected[i]) && double.IsNaN(a[i]))
                || Math.Abs(a[i] - expected[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.IsTrue(ok, $"element {i}: expected {expected[i]}, got {a[i]}");
        }
    }
}
