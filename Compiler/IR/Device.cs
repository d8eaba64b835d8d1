namespace Tracer;

/// <summary>Where a tensor's data lives. <see cref="Cpu"/> always exists; CUDA devices come from Runtime.Cuda.</summary>
public sealed class Device : IEquatable<Device>
{
    public static readonly Device Cpu = new("cpu", 0);

    public Device(string kind, int index)
    {
        Kind = kind;
        Index = index;
    }

    /// <summary>"cpu" or "cuda".</summary>
    public string Kind { get; }

    public int Index { get; }

    public bool Equals(Device? other) => other is not null && other.Kind == Kind && other.Index == Index;

    public override bool Equals(object? obj) => Equals(obj as Device);

    public override int GetHashCode() => HashCode.Combine(Kind, Index);

    public override string ToString() => Kind == "cpu" ? "cpu" : $"{Kind}:{Index}";
}

/// <summary>The static type of a tensor value: shape and element type.</summary>
public readonly record struct TensorType(Shape Shape, DType DType)
{
    public override string ToString() => DType.ShortName() + Shape;
}
