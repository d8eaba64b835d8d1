using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// An immutable n-dimensional array. Outside tracing it is concrete: it holds a <see cref="Compiler.Storage"/> owned
/// by the backend of its <see cref="Device"/>, and operations on it run eagerly there (compiled kernels, cached per
/// primitive and signature). While a function is being traced it is symbolic: it stands for a value of the graph
/// being built.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? storage;
    private readonly Node? node;
    private bool disposed;

    /// <summary>A concrete CPU tensor over <paramref name="data"/>, which the tensor now owns (never mutated again).</summary>
    internal Tensor(Array data, Shape shape)
    {
        if (data.Length != shape.Size)
            throw new ArgumentException($"{data.Length} elements cannot fill shape {shape} ({shape.Size} elements)");
        var dtype = DTypeExtensions.OfArray(data);
        storage = new HostStorage(data, dtype, Device.Cpu);
        Type = new TensorType(shape, dtype);
        DisposeScope.Track(this);
    }

    /// <summary>
    /// A concrete tensor over a storage produced by a backend, whose type the executable guarantees (the cached call
    /// path skips the checks of the public constructor).
    /// </summary>
    internal Tensor(Storage storage, TensorType type)
    {
        this.storage = storage;
        Type = type;
        DisposeScope.Track(this);
    }

    /// <summary>A symbolic tensor standing for <paramref name="node"/> of a trace.</summary>
    internal Tensor(Node node)
    {
        this.node = node;
        Type = node.Type;
    }

    internal TensorType Type { get; }

    /// <summary>
    /// The dimensions, outermost first (row-major); empty for a scalar. Known for symbolic tensors too: shapes are
    /// static.
    /// </summary>
    public Shape Shape => Type.Shape;

    /// <summary>
    /// The element type: <see cref="DType.Float32"/>, <see cref="DType.Float64"/>, <see cref="DType.Int32"/> or
    /// <see cref="DType.Bool"/>.
    /// </summary>
    public DType DType => Type.DType;

    /// <summary>Where the data lives (<see cref="Device.Cpu"/> unless moved with <see cref="To"/>).</summary>
    public Device Device => storage?.Device ?? Device.Cpu;

    /// <summary>True while this tensor stands for a value of a trace rather than holding data.</summary>
    public bool IsSymbolic => node is not null;

    internal Node? Node => node;

    /// <summary>The data in its backend's form; only for concrete tensors.</summary>
    internal Storage Storage => storage ?? throw NotConcrete("read its values");

    /// <summary>True once <see cref="Dispose"/> ran: the tensor can no longer be used.</summary>
    public bool IsDisposed => disposed;

    /// <summary>
    /// Gives the tensor's memory back to its device for reuse by later outputs (TorchSharp's <c>Dispose</c>): in a
    /// loop that makes large tensors, this keeps the garbage collector out of the way. The tensor must not be used
    /// afterwards (that is an <see cref="ObjectDisposedException"/>). Disposing twice, or a symbolic tensor, does
    /// nothing. See also <see cref="DisposeScope"/>.
    /// </summary>
    public void Dispose()
    {
        if (node is not null || disposed) return;
        disposed = true;
        var s = Interlocked.Exchange(ref storage, null);
        if (s is not null && !s.IsCaptured) Backends.For(s.Device).Release(s);
    }

    /// <summary>
    /// The values as a host array (a copy from the device for accelerator tensors; the tensor's own array for host
    /// ones, which callers must not mutate). Only for concrete tensors. A caller that reads the array after its last
    /// use of the tensor must keep the tensor alive until done (<see cref="GC.KeepAlive"/>): the CPU backend's pool
    /// reclaims the array of an unreachable output, and another thread's next output may then overwrite it.
    /// </summary>
    internal Array Data => storage switch
    {
        HostStorage host => host.Data,
        null => throw NotConcrete("read its values"),
        var s => Backends.For(s.Device).ToHost(s),
    };

    // ---- construction -------------------------------------------------------------------------------------

    /// <summary>Copies <paramref name="values"/> into a new tensor of <paramref name="shape"/> (1-D when omitted).</summary>
    public static Tensor FromArray(float[] values, params int[] shape) => Create(values, shape);

    /// <summary>
    /// Copies <paramref name="values"/> into a new f64 tensor of <paramref name="shape"/> (1-D when omitted); the
    /// number of values must equal the product of the dimensions (<see cref="ArgumentException"/> otherwise).
    /// </summary>
    public static Tensor FromArray(double[] values, params int[] shape) => Create(values, shape);

    /// <summary>
    /// Copies <paramref name="values"/> into a new i32 tensor of <paramref name="shape"/> (1-D when omitted), e.g.
    /// class labels or gather indices.
    /// </summary>
    public static Tensor FromArray(int[] values, params int[] shape) => Create(values, shape);

    /// <summary>
    /// Copies <paramref name="values"/> into a new bool tensor of <paramref name="shape"/> (1-D when omitted), e.g. a
    /// mask for <see cref="Ops.Where(Tensor, Tensor, Tensor)"/>.
    /// </summary>
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

    /// <summary>
    /// A rank-0 f32 tensor holding <paramref name="value"/>. Inside a jitted function, the value of a traced number
    /// argument gives that argument's symbolic value (so <c>Tensor.Scalar(rate)</c> does not bake the number in).
    /// </summary>
    public static Tensor Scalar(float value) =>
        TracedScalars.Find(value) is { } traced ? Ops.Cast(traced, DType.Float32) : new(new[] { value }, Shape.Scalar);

    /// <summary>
    /// A rank-0 f64 tensor holding <paramref name="value"/>. (A bare C# number in an operation is weakly typed
    /// instead; a Scalar tensor has a fixed dtype that promotes.) Inside a jitted function, the value of a traced
    /// number argument gives that argument's symbolic value (so <c>Tensor.Scalar(rate)</c> does not bake it in).
    /// </summary>
    public static Tensor Scalar(double value) =>
        TracedScalars.Find(value) is { } traced ? Ops.Cast(traced, DType.Float64) : new(new[] { value }, Shape.Scalar);

    /// <summary>A rank-0 i32 tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(int value) => new(new[] { value }, Shape.Scalar);

    /// <summary>A rank-0 bool tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(bool value) => new(new[] { value }, Shape.Scalar);

    /// <summary>
    /// A new tensor of <paramref name="shape"/> and <paramref name="dtype"/> filled with 0 (false for bool); no shape
    /// gives a scalar.
    /// </summary>
    public static Tensor Zeros(DType dtype, params int[] shape) => Full(dtype, 0, shape);

    /// <summary>
    /// A new tensor of <paramref name="shape"/> and <paramref name="dtype"/> filled with 1 (true for bool); no shape
    /// gives a scalar.
    /// </summary>
    public static Tensor Ones(DType dtype, params int[] shape) => Full(dtype, 1, shape);

    /// <summary>
    /// A new tensor of <paramref name="shape"/> and <paramref name="dtype"/> with every element
    /// <paramref name="value"/>, converted to the dtype (truncated for i32, non-zero for bool); no shape gives a
    /// scalar.
    /// </summary>
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
    /// This tensor's data on <paramref name="device"/> (Flux's <c>gpu</c>/<c>cpu</c>): the same tensor when it is already
    /// there, else a copy. Operations on the result run on that device.
    /// </summary>
    public Tensor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Equals(Device)) return this;
        if (node is not null) throw NotConcrete($"move it to {device}");
        var target = Backends.For(device);
        return new Tensor(target.FromHost(Data), Type);
    }

    // ---- reading back -------------------------------------------------------------------------------------

    /// <summary>The values as float (converted from other dtypes), row-major.</summary>
    public float[] ToFloatArray()
    {
        var values = Data switch
        {
            float[] f => (float[])f.Clone(),
            double[] d => Array.ConvertAll(d, v => (float)v),
            int[] i => Array.ConvertAll(i, v => (float)v),
            bool[] b => Array.ConvertAll(b, v => v ? 1f : 0f),
            _ => throw new InvalidOperationException(),
        };
        GC.KeepAlive(this);   // see Data
        return values;
    }

    /// <summary>
    /// The values as double (converted from other dtypes; bool as 0 or 1), row-major, in a new array the caller owns.
    /// Throws <see cref="InvalidOperationException"/> for a symbolic tensor (inside a trace its values are not known
    /// yet) and <see cref="ObjectDisposedException"/> after <see cref="Dispose"/>.
    /// </summary>
    public double[] ToDoubleArray()
    {
        var values = Data switch
        {
            float[] f => Array.ConvertAll(f, v => (double)v),
            double[] d => (double[])d.Clone(),
            int[] i => Array.ConvertAll(i, v => (double)v),
            bool[] b => Array.ConvertAll(b, v => v ? 1.0 : 0.0),
            _ => throw new InvalidOperationException(),
        };
        GC.KeepAlive(this);   // see Data
        return values;
    }

    /// <summary>
    /// The values as int (floats truncated toward zero; bool as 0 or 1), row-major, in a new array the caller owns.
    /// Throws <see cref="InvalidOperationException"/> for a symbolic tensor (inside a trace its values are not known
    /// yet) and <see cref="ObjectDisposedException"/> after <see cref="Dispose"/>.
    /// </summary>
    public int[] ToInt32Array()
    {
        var values = Data switch
        {
            float[] f => Array.ConvertAll(f, v => (int)v),
            double[] d => Array.ConvertAll(d, v => (int)v),
            int[] i => (int[])i.Clone(),
            bool[] b => Array.ConvertAll(b, v => v ? 1 : 0),
            _ => throw new InvalidOperationException(),
        };
        GC.KeepAlive(this);   // see Data
        return values;
    }

    /// <summary>
    /// The values as bool (non-zero is true), row-major, in a new array the caller owns. Throws
    /// <see cref="InvalidOperationException"/> for a symbolic tensor (inside a trace its values are not known yet) and
    /// <see cref="ObjectDisposedException"/> after <see cref="Dispose"/>.
    /// </summary>
    public bool[] ToBoolArray()
    {
        var values = Data switch
        {
            float[] f => Array.ConvertAll(f, v => v != 0),
            double[] d => Array.ConvertAll(d, v => v != 0),
            int[] i => Array.ConvertAll(i, v => v != 0),
            bool[] b => (bool[])b.Clone(),
            _ => throw new InvalidOperationException(),
        };
        GC.KeepAlive(this);   // see Data
        return values;
    }

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
        double value = ElementAt(d, 0);
        GC.KeepAlive(this);   // see Data
        return value;
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
        if (disposed)
            return new ObjectDisposedException($"tensor {Type}", $"cannot {what} of tensor {Type}: it was disposed (by Dispose or its DisposeScope); keep it with scope.Keep(...) if it is still needed");
        string why = node!.Owner.IsFinished
            ? "it is a tracer from a finished trace: it was created while tracing a function and escaped that trace"
            : "it is symbolic: its value is only known when the compiled function runs";
        return new InvalidOperationException(
            $"cannot {what} of tensor {Type} <traced {node.Name}>: {why}. Return it from the function instead, or use " +
            "Ops such as Where for data-dependent choices. See docs/sharp-bits.md.");
    }

    /// <summary>
    /// The type and values, e.g. <c>f32[2,2] [[1, 2], [3, 4]]</c> (with <c>@device</c> off the CPU); a symbolic
    /// tensor prints its type and the trace node it stands for, a disposed one <c>&lt;disposed&gt;</c>. Never throws,
    /// so it is safe in a debugger.
    /// </summary>
    public override string ToString()
    {
        if (node is not null) return $"{Type} <traced {node.Name}>";
        if (disposed) return $"{Type} <disposed>";
        var text = $"{Type}{DeviceSuffix()} {TensorFormat.Format(Data, Shape)}";
        GC.KeepAlive(this);   // see Data
        return text;
    }

    private string DeviceSuffix() => ReferenceEquals(storage!.Device, Device.Cpu) || storage.Device.Equals(Device.Cpu) ? "" : "@" + storage.Device;
}
