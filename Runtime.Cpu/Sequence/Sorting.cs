namespace Tracer.Runtime.Cpu;

/// <summary>
/// argsort kernels. Each value becomes an unsigned key whose integer order is the wanted order (IEEE bits with the
/// sign flipped for positives and all bits flipped for negatives; NaN made one positive quiet NaN, so it sorts after
/// +inf; -0 made +0; all bits complemented for descending). Long lines are sorted by an LSD radix sort of the keys
/// with their positions (11-bit digits: 3 passes for 32-bit keys, 6 for 64-bit ones, a pass skipped when every key
/// has the same digit), which is stable by construction and linear in the line length. Short lines use
/// <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/>, which is not stable, so runs of equal keys get
/// their positions put back in increasing order afterwards: the same result as a stable sort.
/// </summary>
internal static class Sorting
{
    public static void ArgSort(float[] x, int[] result, Lines l) =>
        Run(result, l, static (uint[] keys, float[] src, int at, int stride, int n, bool desc) =>
        {
            for (int k = 0; k < n; k++)
            {
                float v = src[at + k * stride];
                uint bits = float.IsNaN(v) ? 0x7FC00000u : v == 0 ? 0u : BitConverter.SingleToUInt32Bits(v);
                uint key = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
                keys[k] = desc ? ~key : key;
            }
        }, x);

    public static void ArgSort(double[] x, int[] result, Lines l) =>
        Run(result, l, static (ulong[] keys, double[] src, int at, int stride, int n, bool desc) =>
        {
            for (int k = 0; k < n; k++)
            {
                double v = src[at + k * stride];
                ulong bits = double.IsNaN(v) ? 0x7FF8000000000000ul : v == 0 ? 0ul : BitConverter.DoubleToUInt64Bits(v);
                ulong key = (bits & 0x8000000000000000ul) != 0 ? ~bits : bits | 0x8000000000000000ul;
                keys[k] = desc ? ~key : key;
            }
        }, x);

    public static void ArgSort(int[] x, int[] result, Lines l) =>
        Run(result, l, static (uint[] keys, int[] src, int at, int stride, int n, bool desc) =>
        {
            for (int k = 0; k < n; k++)
            {
                uint key = unchecked((uint)src[at + k * stride] ^ 0x80000000u);
                keys[k] = desc ? ~key : key;
            }
        }, x);

    private delegate void KeyFill<TKey, TSrc>(TKey[] keys, TSrc[] src, int at, int stride, int n, bool descending);

    /// <summary>Below this many entries per line a comparison sort beats the radix sort's fixed passes.</summary>
    private const int RadixThreshold = 512;

    private const int DigitBits = 11, Buckets = 1 << DigitBits;

    /// <summary>Sorts every line (in parallel chunks of lines, each chunk with its own scratch) and writes its positions.</summary>
    private static void Run<TKey, TSrc>(int[] result, Lines l, KeyFill<TKey, TSrc> fill, TSrc[] src)
        where TKey : struct, IComparable<TKey>, IEquatable<TKey>
    {
        int lineCount = l.Outer * l.Inner;
        if (lineCount == 0 || l.N == 0) return;
        int chunks = Math.Min(lineCount, l.ThreadsFor(l.Size / 4));   // sorting costs more per element than a sum
        bool radix = l.N >= RadixThreshold;
        KernelThreads.Shared.For(chunks, chunks, c =>
        {
            var keys = new TKey[l.N];
            var order = new int[l.N];
            var scratch = radix ? new RadixScratch<TKey>(l.N) : null;
            for (int line = c; line < lineCount; line += chunks)
            {
                int o = line / l.Inner, i = line % l.Inner;
                int at = o * l.N * l.Inner + i;
                fill(keys, src, at, l.Inner, l.N, l.Reverse);
                for (int k = 0; k < l.N; k++) order[k] = k;
                var sorted = order;
                if (scratch is not null)
                {
                    sorted = keys switch
                    {
                        uint[] k32 => RadixSort(k32, order, (RadixScratch<uint>)(object)scratch, 32),
                        ulong[] k64 => RadixSort(k64, order, (RadixScratch<ulong>)(object)scratch, 64),
                        _ => throw new NotSupportedException(typeof(TKey).Name),
                    };
                }
                else
                {
                    Array.Sort(keys, order, 0, l.N);
                    RestoreStability(keys, order, l.N);
                }
                for (int k = 0; k < l.N; k++) result[at + k * l.Inner] = sorted[k];
            }
        });
    }

    /// <summary>The second key and position arrays and the digit histograms of one thread's radix sorts.</summary>
    private sealed class RadixScratch<TKey>(int n)
    {
        public readonly TKey[] Keys = new TKey[n];
        public readonly int[] Order = new int[n];
        public readonly int[] Counts = new int[Buckets * 6];
    }

    /// <summary>
    /// LSD radix sort of 32-bit keys with their positions; returns the array now holding the sorted positions
    /// (<paramref name="order"/> or the scratch one). Each pass scatters in input order, so equal keys keep it.
    /// </summary>
    private static int[] RadixSort(uint[] keys, int[] order, RadixScratch<uint> s, int bits)
    {
        int n = keys.Length, passes = (bits + DigitBits - 1) / DigitBits;
        var counts = s.Counts;
        Array.Clear(counts, 0, Buckets * passes);
        for (int i = 0; i < n; i++)
        {
            uint k = keys[i];
            for (int p = 0; p < passes; p++) counts[p * Buckets + (int)((k >> (p * DigitBits)) & (Buckets - 1))]++;
        }
        uint[] srcK = keys, dstK = s.Keys;
        int[] srcO = order, dstO = s.Order;
        for (int p = 0; p < passes; p++)
        {
            int shift = p * DigitBits, b0 = p * Buckets;
            if (counts[b0 + (int)((srcK[0] >> shift) & (Buckets - 1))] == n) continue;   // one digit value: nothing moves
            int sum = 0;
            for (int b = 0; b < Buckets; b++) (counts[b0 + b], sum) = (sum, sum + counts[b0 + b]);
            for (int i = 0; i < n; i++)
            {
                uint k = srcK[i];
                int at = counts[b0 + (int)((k >> shift) & (Buckets - 1))]++;
                dstK[at] = k;
                dstO[at] = srcO[i];
            }
            (srcK, dstK) = (dstK, srcK);
            (srcO, dstO) = (dstO, srcO);
        }
        return srcO;
    }

    /// <summary>As <see cref="RadixSort(uint[], int[], RadixScratch{uint}, int)"/> for 64-bit keys.</summary>
    private static int[] RadixSort(ulong[] keys, int[] order, RadixScratch<ulong> s, int bits)
    {
        int n = keys.Length, passes = (bits + DigitBits - 1) / DigitBits;
        var counts = s.Counts;
        Array.Clear(counts, 0, Buckets * passes);
        for (int i = 0; i < n; i++)
        {
            ulong k = keys[i];
            for (int p = 0; p < passes; p++) counts[p * Buckets + (int)((k >> (p * DigitBits)) & (Buckets - 1))]++;
        }
        ulong[] srcK = keys, dstK = s.Keys;
        int[] srcO = order, dstO = s.Order;
        for (int p = 0; p < passes; p++)
        {
            int shift = p * DigitBits, b0 = p * Buckets;
            if (counts[b0 + (int)((srcK[0] >> shift) & (Buckets - 1))] == n) continue;
            int sum = 0;
            for (int b = 0; b < Buckets; b++) (counts[b0 + b], sum) = (sum, sum + counts[b0 + b]);
            for (int i = 0; i < n; i++)
            {
                ulong k = srcK[i];
                int at = counts[b0 + (int)((k >> shift) & (Buckets - 1))]++;
                dstK[at] = k;
                dstO[at] = srcO[i];
            }
            (srcK, dstK) = (dstK, srcK);
            (srcO, dstO) = (dstO, srcO);
        }
        return srcO;
    }

    /// <summary>Within each run of equal keys, positions in increasing order (what a stable sort would have left).</summary>
    private static void RestoreStability<TKey>(TKey[] keys, int[] order, int n) where TKey : struct, IEquatable<TKey>
    {
        int start = 0;
        for (int k = 1; k <= n; k++)
        {
            if (k < n && keys[k].Equals(keys[start])) continue;
            if (k - start > 1) Array.Sort(order, start, k - start);
            start = k;
        }
    }
}
