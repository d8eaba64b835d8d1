using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Tracer.Tests.Onnx;

/// <summary>Runs an exported file in ONNX Runtime and compares its outputs with Tracer's.</summary>
internal static class OnnxTestUtil
{
    public static string TempFile(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracer-onnx-tests");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    private static NamedOnnxValue Feed(string name, Tensor t)
    {
        int[] dims = t.Shape.ToArray();
        return t.DType switch
        {
            DType.Float32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(t.ToFloatArray(), dims)),
            DType.Float64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<double>(t.ToDoubleArray(), dims)),
            DType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(t.ToInt32Array(), dims)),
            _ => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(t.ToBoolArray(), dims)),
        };
    }

    /// <summary>The outputs of the model at <paramref name="path"/> for the named inputs, as doubles with their shapes.</summary>
    public static (double[] Values, int[] Shape)[] Run(string path, params (string Name, Tensor Value)[] inputs)
    {
        using var session = new InferenceSession(path);
        var feeds = new List<NamedOnnxValue>();
        foreach (var (name, value) in inputs) feeds.Add(Feed(name, value));
        using var results = session.Run(feeds);
        var outputs = new (double[], int[])[results.Count];
        int k = 0;
        foreach (var r in results)
        {
            outputs[k++] = r.ElementType switch
            {
                TensorElementType.Float => (Array.ConvertAll(r.AsTensor<float>().ToArray(), v => (double)v), r.AsTensor<float>().Dimensions.ToArray()),
                TensorElementType.Double => (r.AsTensor<double>().ToArray(), r.AsTensor<double>().Dimensions.ToArray()),
                TensorElementType.Int32 => (Array.ConvertAll(r.AsTensor<int>().ToArray(), v => (double)v), r.AsTensor<int>().Dimensions.ToArray()),
                TensorElementType.Bool => (Array.ConvertAll(r.AsTensor<bool>().ToArray(), v => v ? 1.0 : 0.0), r.AsTensor<bool>().Dimensions.ToArray()),
                _ => throw new NotSupportedException(r.ElementType.ToString()),
            };
        }
        return outputs;
    }

    public static double[] Values(Tensor t) => t.DType switch
    {
        DType.Float32 => Array.ConvertAll(t.ToFloatArray(), v => (double)v),
        DType.Float64 => t.ToDoubleArray(),
        DType.Int32 => Array.ConvertAll(t.ToInt32Array(), v => (double)v),
        _ => Array.ConvertAll(t.ToBoolArray(), v => v ? 1.0 : 0.0),
    };

    /// <summary>Asserts ONNX Runtime's output equals Tracer's: same shape, values within a relative tolerance.</summary>
    public static void AssertClose(Tensor expected, (double[] Values, int[] Shape) actual, double tolerance, string what)
    {
        CollectionAssert.AreEqual(expected.Shape.ToArray(), actual.Shape, $"{what}: shape");
        var e = Values(expected);
        Assert.HasCount(e.Length, actual.Values, what);
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(actual.Values[i])) continue;
            Assert.AreEqual(e[i], actual.Values[i], tolerance * (1 + Math.Abs(e[i])), $"{what}: element {i}");
        }
    }
}
