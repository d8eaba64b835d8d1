using System.Runtime.InteropServices;

namespace Tracer.Distributed;

/// <summary>
/// 64-bit FNV-1a hashes that are the same in every process (string.GetHashCode is randomised per process, so it
/// cannot be compared across ranks).
/// </summary>
public static class Checksums
{
    private const ulong Offset = 14695981039346656037, Prime = 1099511628211;

    /// <summary>A hash of every tensor leaf's dtype, shape and exact bits: equal only for bit-identical trees.</summary>
    public static ulong Of<T>(T tree)
    {
        ulong h = Offset;
        foreach (var leaf in Tree.Leaves(tree))
        {
            h = Mix(h, (ulong)leaf.DType);
            for (int i = 0; i < leaf.Shape.Rank; i++) h = Mix(h, (ulong)leaf.Shape[i]);
            ReadOnlySpan<byte> raw = leaf.DType switch
            {
                DType.Float32 => MemoryMarshal.AsBytes<float>(leaf.ToFloatArray()),
                DType.Float64 => MemoryMarshal.AsBytes<double>(leaf.ToDoubleArray()),
                DType.Int32 => MemoryMarshal.AsBytes<int>(leaf.ToInt32Array()),
                _ => MemoryMarshal.AsBytes<bool>(leaf.ToBoolArray()),
            };
            foreach (byte b in raw) h = (h ^ b) * Prime;
        }
        return h;
    }

    internal static ulong Fnv1a(string text, ulong seed)
    {
        ulong h = Mix(Offset, seed);
        foreach (char c in text) h = Mix(h, c);
        return h;
    }

    private static ulong Mix(ulong h, ulong value)
    {
        for (int i = 0; i < 8; i++, value >>= 8) h = (h ^ (value & 0xff)) * Prime;
        return h;
    }
}
