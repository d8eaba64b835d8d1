namespace Tracer;

/// <summary>Where a tensor's data lives. <see cref="Cpu"/> always exists; CUDA devices come from Runtime.Cuda.</summary>
public sealed class Device : IEquatable<Device>
{
    /// <summary>The host CPU, where tensors live by default.</summary>
    public static readonly Device Cpu = new("cpu", 0);

    /// <summary>
    /// The reference interpreter as a device: host memory, every primitive run by its reference implementation. Slow;
    /// a test oracle that runs the same calls as the CPU (tensor.To(Device.Reference)).
    /// </summary>
    public static readonly Device Reference = new("reference", 0);

    /// <summary>The device <paramref name="index"/> of the runtime called <paramref name="kind"/>, e.g. <c>("cuda", 0)</c>.</summary>
    public Device(string kind, int index)
    {
        Kind = kind;
        Index = index;
    }

    /// <summary>"cpu", "cuda" or "reference".</summary>
    public string Kind { get; }

    /// <summary>The device's number within its kind.</summary>
    public int Index { get; }

    /// <inheritdoc/>
    public bool Equals(Device? other) => other is not null && other.Kind == Kind && other.Index == Index;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Device);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Index);

    /// <inheritdoc/>
    public override string ToString() => Kind is "cpu" or "reference" ? Kind : $"{Kind}:{Index}";
}

/// <summary>The static type of a tensor value: shape and element type.</summary>
public readonly record struct TensorType(Shape Shape, DType DType)
{
    /// <inheritdoc/>
    public override string ToString() => DType.ShortName() + Shape;
}
