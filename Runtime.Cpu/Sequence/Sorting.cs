namespace Tracer.Runtime.Cpu;

/// <summary>
/// argsort kernels. Each value becomes an unsigned key whose integer order is the wanted order (IEEE bits with the
/// sign flipped for positives and all bits flipped for negatives; NaN made one positive quiet NaN, so it sorts after
/// +inf; -0 made +0; all bits complemented for descending). Keys and positions are sorted together with
/// <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/>, whose primitive-key path is fast but not
/// stable, so runs of equal keys get their positions put back in increasing order afterwards: the same result as a
/// stable sort, at the cost of one pass (and a sort per run of duplicates).
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

    /// <summary>Sorts every line (in parallel chunks of lines, each chunk with its own scratch) and writes its positions.</summary>
    private static void Run<TKey, TSrc>(int[] result, Lines l, KeyFill<TKey, TSrc> fill, TSrc[] src)
        where TKey : struct, IComparable<TKey>, IEquatable<TKey>
    {
        int lineCount = l.Outer * l.Inner;
        if (lineCount == 0 || l.N == 0) return;
        int chunks = Math.Min(lineCount, l.ThreadsFor(l.Size / 4));   // sorting costs more per element than a sum
        KernelThreads.Shared.For(chunks, chunks, c =>
        {
            var keys = new TKey[l.N];
            var order = new int[l.N];
            for (int line = c; line < lineCount; line += chunks)
            {
                int o = line / l.Inner, i = line % l.Inner;
                int at = o * l.N * l.Inner + i;
                fill(keys, src, at, l.Inner, l.N, l.Reverse);
                for (int k = 0; k < l.N; k++) order[k] = k;
                Array.Sort(keys, order, 0, l.N);
                RestoreStability(keys, order, l.N);
                for (int k = 0; k < l.N; k++) result[at + k * l.Inner] = order[k];
            }
        });
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
