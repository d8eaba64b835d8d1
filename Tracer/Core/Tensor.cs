using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// An immutable n-dimensional array. Outside tracing it is concrete: it holds row-major data and operations on it
/// run eagerly. While a function is being traced it is symbolic: it stands for a value of the graph being built.
/// </summary>
public sealed partial class Tensor
{
    private readonly Array? data;
    private readonly Node? node;

    /// <summary>A concrete tensor over <paramref name="data"/>, which the tensor now owns (never mutated again).</summary>
    internal Tensor(Array data, Shape shape)
    {
        if (data.Length != shape.Size)
            throw new ArgumentException($"{data.Length} elements cannot fill shape {shape} ({shape.Size} elements)");
        this.data = data;
        Type = new TensorType(shape, DTypeExtensions.OfArray(data));
    }

    /// <summary>
    /// A concrete tensor over a compiled function's output, whose type the executable guarantees (the cached call
    /// path skips the checks of the public constructor).
    /// </summary>
    internal Tensor(Array data, TensorType type)
    {
        this.data = data;
        Type = type;
    }

    /// <summary>A symbolic tensor standing for <paramref name="node"/> of a trace.</summary>
    internal Tensor(Node node)
    {
        this.node = node;
        Type = node.Type;
    }

    internal TensorType Type { get; }

    public Shape Shape => Type.Shape;

    public DType DType => Type.DType;

    public Device Device => Device.Cpu;

    /// <summary>True while this tensor stands for a value of a trace rather than holding data.</summary>
    public bool IsSymbolic => node is not null;

    internal Node? Node => node;

    /// <summary>The host data; only for concrete tensors.</summary>
    internal Array Data => data ?? throw NotConcrete("read its values");

    // ---- construction -------------------------------------------------------------------------------------

    /// <summary>Copies <paramref name="values"/> into a new tensor of <paramref name="shape"/> (1-D when omitted).</summary>
    public static Tensor FromArray(float[] values, params int[] shape) => Create(values, shape);

    public static Tensor FromArray(double[] values, params int[] shape) => Create(values, shape);

    public static Tensor FromArray(int[] values, params int[] shape) => Create(values, shape);

    public static Tensor FromArray(bool[] values, params int[] shape) => Create(values, shape);

    private static Tensor Create(Array values, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = shape is null || shape.Length == 0 ? new Shape(values.Length) : new Shape(shape);
        if (values.Length != s.Size)
        {
            throw new ArgumentException(
                $"Tensor.FromArray: {values.Length} values do not match shape {s}, which holds {s.Size}; " +
                "pass as many values as the product of the dimensions");
        }
        return new Tensor((Array)values.Clone(), s);
    }

    public static Tensor Scalar(float value) => new(new[] { value }, Shape.Scalar);

    public static Tensor Scalar(double value) => new(new[] { value }, Shape.Scalar);

    public static Tensor Scalar(int value) => new(new[] { value }, Shape.Scalar);

    public static Tensor Scalar(bool value) => new(new[] { value }, Shape.Scalar);

    public static Tensor Zeros(DType dtype, params int[] shape) => Full(dtype, 0, shape);

    public static Tensor Ones(DType dtype, params int[] shape) => Full(dtype, 1, shape);

    public static Tensor Full(DType dtype, double value, params int[] shape)
    {
        var s = new Shape(shape);
        var array = dtype.NewArray(s.Size);
        switch (array)
        {
            case float[] f: Array.Fill(f, (float)value); break;
            case double[] d: Array.Fill(d, value); break;
            case int[] i: Array.Fill(i, (int)value); break;
            case bool[] b: Array.Fill(b, value != 0); break;
        }
        return new Tensor(array, s);
    }

    /// <summary>
    /// This tensor's data on <paramref name="device"/>. The CPU is always available; CUDA devices come from
    /// Tracer.Runtime.Cuda (<c>CudaRuntime.Device(i)</c>), whose tensor storage is not available yet: moving to one is
    /// an error that says so.
    /// </summary>
    public Tensor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Kind == "cpu") return this;   // tensors are immutable: no copy needed
        throw new NotSupportedException(
            $"Tensor.To({device}): tensors cannot live on {device.Kind} devices yet (the CUDA runtime only discovers devices " +
            "so far); keep tensors on Device.Cpu");
    }

    // ---- reading back -------------------------------------------------------------------------------------

    /// <summary>The values as float (converted from other dtypes), row-major.</summary>
    public float[] ToFloatArray() => Data switch
    {
        float[] f => (float[])f.Clone(),
        double[] d => Array.ConvertAll(d, v => (float)v),
        int[] i => Array.ConvertAll(i, v => (float)v),
        bool[] b => Array.ConvertAll(b, v => v ? 1f : 0f),
        _ => throw new InvalidOperationException(),
    };

    public double[] ToDoubleArray() => Data switch
    {
        float[] f => Array.ConvertAll(f, v => (double)v),
        double[] d => (double[])d.Clone(),
        int[] i => Array.ConvertAll(i, v => (double)v),
        bool[] b => Array.ConvertAll(b, v => v ? 1.0 : 0.0),
        _ => throw new InvalidOperationException(),
    };

    public int[] ToInt32Array() => Data switch
    {
        float[] f => Array.ConvertAll(f, v => (int)v),
        double[] d => Array.ConvertAll(d, v => (int)v),
        int[] i => (int[])i.Clone(),
        bool[] b => Array.ConvertAll(b, v => v ? 1 : 0),
        _ => throw new InvalidOperationException(),
    };

    public bool[] ToBoolArray() => Data switch
    {
        float[] f => Array.ConvertAll(f, v => v != 0),
        double[] d => Array.ConvertAll(d, v => v != 0),
        int[] i => Array.ConvertAll(i, v => v != 0),
        bool[] b => (bool[])b.Clone(),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The single value of a one-element tensor.</summary>
    public double Item()
    {
        var d = Data;
        if (d.Length != 1)
        {
            throw new InvalidOperationException(
                $"Item() needs a tensor with exactly one element, but this is {Type} ({d.Length} elements); " +
                "reduce it first (e.g. Sum or Mean) or read all values with ToFloatArray()/ToDoubleArray()");
        }
        return ElementAt(d, 0);
    }

    internal static double ElementAt(Array a, int i) => a switch
    {
        float[] f => f[i],
        double[] d => d[i],
        int[] n => n[i],
        bool[] b => b[i] ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };

    private InvalidOperationException NotConcrete(string what)
    {
        string why = node!.Owner.IsFinished
            ? "it is a tracer from a finished trace: it was created while tracing a function and escaped that trace"
            : "it is symbolic: its value is only known when the compiled function runs";
        return new InvalidOperationException(
            $"cannot {what} of tensor {Type} <traced {node.Name}>: {why}. Return it from the function instead, or use " +
            "Ops such as Where for data-dependent choices.");
    }

    public override string ToString() =>
        node is not null ? $"{Type} <traced {node.Name}>" : $"{Type} {TensorFormat.Format(data!, Shape)}";
}
