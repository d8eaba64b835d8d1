using ILGPU.Runtime;
using Tracer.Compiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// Device buffers given back by disposed tensors and finished calls, by dtype and length, for reuse: allocating device
/// memory synchronises the device, reusing a buffer does not. Bounded, so a program that stops using a size does not
/// pin its memory for ever. Not thread-safe: the backend's lock guards it.
/// </summary>
internal sealed class BufferPool
{
    /// <summary>Most bytes kept; beyond it returned buffers are freed.</summary>
    public const long Capacity = 4L << 30;

    private readonly Dictionary<(DType, int), Stack<(MemoryBuffer Buffer, object View)>> free = [];

    public long Bytes { get; private set; }

    public static int ElementBytes(DType dtype) => dtype switch
    {
        DType.Float64 => 8,
        DType.Bool => 1,
        _ => 4,
    };

    public bool TryRent(DType dtype, int length, out MemoryBuffer buffer, out object view)
    {
        if (free.TryGetValue((dtype, length), out var stack) && stack.Count > 0)
        {
            (buffer, view) = stack.Pop();
            Bytes -= Math.Max(length, 1) * (long)ElementBytes(dtype);
            return true;
        }
        (buffer, view) = (null!, null!);
        return false;
    }

    public void Return(DType dtype, int length, MemoryBuffer buffer, object view)
    {
        long bytes = Math.Max(length, 1) * (long)ElementBytes(dtype);
        if (Bytes + bytes > Capacity)
        {
            buffer.Dispose();
            return;
        }
        if (!free.TryGetValue((dtype, length), out var stack)) free[(dtype, length)] = stack = new();
        stack.Push((buffer, view));
        Bytes += bytes;
    }

    /// <summary>Frees every pooled buffer (before retrying an allocation that ran out of memory).</summary>
    public void Clear()
    {
        foreach (var stack in free.Values)
        {
            foreach (var (buffer, _) in stack) buffer.Dispose();
        }
        free.Clear();
        Bytes = 0;
    }
}
