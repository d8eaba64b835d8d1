namespace Tracer.Compiler;

/// <summary>
/// The data of a concrete tensor, owned by the backend of its <see cref="Device"/>: host memory for the CPU (and the
/// reference interpreter), device memory for accelerators. Row-major, <see cref="Length"/> elements of
/// <see cref="DType"/>. Never mutated once a tensor holds it (tensors are immutable).
/// </summary>
public abstract class Storage
{
    /// <summary>The device whose backend owns this memory; only that backend's executables may read it.</summary>
    public abstract Device Device { get; }

    /// <summary>The element type of the data.</summary>
    public abstract DType DType { get; }

    /// <summary>The number of elements (the product of the tensor's shape; 1 for a scalar).</summary>
    public abstract int Length { get; }

    /// <summary>
    /// Set when the data became part of a compiled program (a constant a trace captured): such storage is never
    /// handed back to the device's pool, even when its tensor is disposed.
    /// </summary>
    public bool IsCaptured
    {
        get => captured;
        internal set
        {
            captured = value;
            if (value) OnCaptured();
        }
    }

    private bool captured;

    /// <summary>The program now keeps the data: a backend that lends this storage's memory takes the loan back.</summary>
    private protected virtual void OnCaptured() { }
}

/// <summary>Storage in host memory: a plain .NET array (float[], double[], int[] or bool[]).</summary>
public sealed class HostStorage : Storage
{
    private readonly Device device;

    /// <summary>
    /// Wraps <paramref name="data"/> without copying: the caller hands the array over and must not mutate it afterwards.
    /// </summary>
    /// <param name="data">A float[], double[], int[] or bool[] in row-major order.</param>
    /// <param name="device">The host device it belongs to; <see cref="Device.Cpu"/> when null.</param>
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

    /// <summary>The row-major host array (float[], double[], int[] or bool[]); shared, so never mutated.</summary>
    public Array Data { get; }

    /// <inheritdoc/>
    public override Device Device => device;

    /// <summary>
    /// The dtype of <see cref="Data"/>, known at construction on the compiled-call path or read from the array's
    /// element type.
    /// </summary>
    public override DType DType => dtypeCache ?? DTypeExtensions.OfArray(Data);

    /// <inheritdoc/>
    public override int Length => Data.Length;

    /// <summary>
    /// Set by the CPU backend's array pool when <see cref="Data"/> is a pooled output array that goes back to the pool
    /// once this storage is unreachable (see <see cref="HostLease"/>); null for arrays the pool does not track.
    /// </summary>
    internal HostLease? Lease { get; set; }

    private protected override void OnCaptured()
    {
        Lease?.Cancel();
        GC.KeepAlive(this);   // the pool must see the cancellation before it can see this storage unreachable
    }
}
