namespace Tracer.Compiler;

/// <summary>
/// The data of a concrete tensor, owned by the backend of its <see cref="Device"/>: host memory for the CPU (and the
/// reference interpreter), device memory for accelerators. Row-major, <see cref="Length"/> elements of
/// <see cref="DType"/>. Never mutated once a tensor holds it (tensors are immutable).
/// </summary>
public abstract class Storage
{
    public abstract Device Device { get; }

    public abstract DType DType { get; }

    public abstract int Length { get; }

    /// <summary>
    /// Set when the data became part of a compiled program (a constant a trace captured): such storage is never
    /// handed back to the device's pool, even when its tensor is disposed.
    /// </summary>
    public bool IsCaptured { get; internal set; }
}

/// <summary>Storage in host memory: a plain .NET array (float[], double[], int[] or bool[]).</summary>
public sealed class HostStorage : Storage
{
    private readonly Device device;

    public HostStorage(Array data, Device? device = null)
    {
        Data = data;
        this.device = device ?? Device.Cpu;
    }

    /// <summary>A host array whose dtype the caller guarantees (the compiled call path; skips the type test).</summary>
    internal HostStorage(Array data, DType dtype, Device device)
    {
        Data = data;
        this.device = device;
        dtypeCache = dtype;
    }

    private readonly DType? dtypeCache;

    public Array Data { get; }

    public override Device Device => device;

    public override DType DType => dtypeCache ?? DTypeExtensions.OfArray(Data);

    public override int Length => Data.Length;
}
