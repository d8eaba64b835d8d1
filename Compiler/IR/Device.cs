namespace Tracer;

/// <summary>Where a tensor's data lives. <see cref="Cpu"/> always exists; CUDA devices come from Runtime.Cuda.</summary>
public sealed class Device : IEquatable<Device>
{
    /// <summary>The host CPU, where tensors live by default.</summary>
    public static readonly Device Cpu = new("cpu", 0);

    /// <summary>The device <paramref name="index"/> of the runtime called <paramref name="kind"/>, e.g. <c>("cuda", 0)</c>.</summary>
    public Device(string kind, int index)
    {
        Kind = kind;
        Index = index;
    }

    /// <summary>"cpu" or "cuda".</summary>
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
    public override string ToString() => Kind == "cpu" ? "cpu" : $"{Kind}:{Index}";
}

/// <summary>The static type of a tensor value: shape and element type.</summary>
public readonly record struct TensorType(Shape Shape, DType DType)
{
    /// <inheritdoc/>
    public override string ToString() => DType.ShortName() + Shape;
}
