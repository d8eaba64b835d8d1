using ILGPU;
using ILGPU.Runtime;
using Tracer.Compiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// A tensor's data in an accelerator's memory: one dense ILGPU buffer of <see cref="Storage.Length"/> elements
/// (bools as bytes). Owned by the <see cref="CudaBackend"/> of its device, which copies it to and from the host and
/// takes it back into its pool when the tensor is disposed.
/// </summary>
public sealed class DeviceStorage : Storage
{
    internal DeviceStorage(CudaBackend owner, MemoryBuffer buffer, object view, DType dtype, int length)
    {
        Owner = owner;
        Buffer = buffer;
        View = view;
        DType = dtype;
        Length = length;
    }

    internal CudaBackend Owner { get; }

    /// <summary>The ILGPU buffer (a <c>MemoryBuffer1D&lt;T, Stride1D.Dense&gt;</c>), possibly longer than the tensor.</summary>
    internal MemoryBuffer Buffer { get; }

    /// <summary>The <see cref="ArrayView{T}"/> of exactly <see cref="Length"/> elements, boxed once: kernels take it as an argument.</summary>
    internal object View { get; }

    /// <inheritdoc/>
    public override Device Device => Owner.Device;

    /// <inheritdoc/>
    public override DType DType { get; }

    /// <inheritdoc/>
    public override int Length { get; }
}
