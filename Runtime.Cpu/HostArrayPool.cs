using System.Collections.Concurrent;
using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Host arrays given back by disposed tensors, handed out again to outputs of the same dtype and length. Large
/// arrays live on .NET's large-object heap, which only a full collection frees; reusing them keeps a loop that
/// makes a new multi-megabyte tensor per step from triggering a full collection every few steps. Small arrays are
/// left to the garbage collector (gen-0 collections are cheap). Bounded: past <see cref="MaxBytes"/> returned
/// arrays are dropped.
/// </summary>
internal static class HostArrayPool
{
    /// <summary>Arrays smaller than this (in bytes) are not pooled.</summary>
    public const int MinBytes = 64 * 1024;

    /// <summary>Most bytes kept in the pool.</summary>
    public const long MaxBytes = 512L << 20;

    private static readonly ConcurrentDictionary<(DType, int), ConcurrentBag<Array>> Free = new();
    private static long pooledBytes;

    public static long PooledBytes => Interlocked.Read(ref pooledBytes);

    public static bool TryRent(DType dtype, int length, out Array array)
    {
        if (Bytes(dtype, length) >= MinBytes && Free.TryGetValue((dtype, length), out var bag) && bag.TryTake(out array!))
        {
            Interlocked.Add(ref pooledBytes, -Bytes(dtype, length));
            return true;
        }
        array = null!;
        return false;
    }

    public static void Return(Array array)
    {
        var dtype = DTypeExtensions.OfArray(array);
        long bytes = Bytes(dtype, array.Length);
        if (bytes < MinBytes || Interlocked.Add(ref pooledBytes, bytes) > MaxBytes)
        {
            if (bytes >= MinBytes) Interlocked.Add(ref pooledBytes, -bytes);
            return;
        }
        Free.GetOrAdd((dtype, array.Length), static _ => []).Add(array);
    }

    public static void Clear()
    {
        Free.Clear();
        Interlocked.Exchange(ref pooledBytes, 0);
    }

    private static long Bytes(DType dtype, int length) => (long)length * dtype switch
    {
        DType.Float64 => 8,
        DType.Bool => 1,
        _ => 4,
    };
}
