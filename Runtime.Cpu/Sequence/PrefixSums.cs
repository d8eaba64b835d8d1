using System.Numerics;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// cumsum kernels. f32 accumulates in f64 (as PyTorch's CPU cumsum does), so a long prefix sum does not drift; i32
/// wraps. A scanned axis that is not innermost is summed row by row, vectorised across the inner axes; an innermost
/// axis is a scalar dependence chain, split across threads in two passes when a line is long.
/// </summary>
internal static class PrefixSums
{
    /// <summary>Lines longer than this are scanned in parallel blocks (block totals first, then each block from its offset).</summary>
    private const int ParallelLine = 1 << 18;

    public static void Run(float[] x, float[] y, Lines l)
    {
        if (l.Inner == 1)
        {
            ForLines(l, (o, lo, hi, offset) => ScanLine(x, y, o * l.N, lo, hi, offset, l.Reverse), (o, lo, hi) => SumLine(x, o * l.N, lo, hi));
            return;
        }
        Parallel(l, o =>
        {
            var acc = new double[l.Inner];
            for (int k = 0; k < l.N; k++)
            {
                int row = (o * l.N + (l.Reverse ? l.N - 1 - k : k)) * l.Inner;
                int i = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; i <= l.Inner - Vector<float>.Count; i += Vector<float>.Count)
                    {
                        Vector.Widen(new Vector<float>(x, row + i), out var lo, out var hi);
                        var a0 = new Vector<double>(acc, i) + lo;
                        var a1 = new Vector<double>(acc, i + Vector<double>.Count) + hi;
                        a0.CopyTo(acc, i);
                        a1.CopyTo(acc, i + Vector<double>.Count);
                        Vector.Narrow(a0, a1).CopyTo(y, row + i);
                    }
                }
                for (; i < l.Inner; i++)
                {
                    acc[i] += x[row + i];
                    y[row + i] = (float)acc[i];
                }
            }
        });
    }

    public static void Run(double[] x, double[] y, Lines l)
    {
        if (l.Inner == 1)
        {
            ForLines(l, (o, lo, hi, offset) => ScanLine(x, y, o * l.N, lo, hi, offset, l.Reverse), (o, lo, hi) => SumLine(x, o * l.N, lo, hi));
            return;
        }
        Parallel(l, o => Rows(x, y, o, l));
    }

    public static void Run(int[] x, int[] y, Lines l)
    {
        if (l.Inner == 1)
        {
            ForLines(l, (o, lo, hi, offset) => ScanLine(x, y, o * l.N, lo, hi, unchecked((int)(long)offset), l.Reverse), (o, lo, hi) => SumLine(x, o * l.N, lo, hi));
            return;
        }
        Parallel(l, o => Rows(x, y, o, l));
    }

    /// <summary>Each row is the previous output row plus this input row (exact for f64 and i32, so no wider accumulator).</summary>
    private static void Rows<T>(T[] x, T[] y, int o, Lines l) where T : struct, INumber<T>
    {
        int first = (o * l.N + (l.Reverse ? l.N - 1 : 0)) * l.Inner;
        Array.Copy(x, first, y, first, l.Inner);
        for (int k = 1; k < l.N; k++)
        {
            int row = (o * l.N + (l.Reverse ? l.N - 1 - k : k)) * l.Inner;
            int prev = l.Reverse ? row + l.Inner : row - l.Inner;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= l.Inner - Vector<T>.Count; i += Vector<T>.Count)
                    (new Vector<T>(y, prev + i) + new Vector<T>(x, row + i)).CopyTo(y, row + i);
            }
            for (; i < l.Inner; i++) y[row + i] = unchecked(y[prev + i] + x[row + i]);
        }
    }

    // Sums and scans of one line over scan-order positions [p, p + count): element n-1-p onwards when reversed.
    // A block's elements are a contiguous range either way; only the order of the running sum differs.

    private static (int Lo, int Hi) Range(int n, int p, int count, bool reverse) =>
        reverse ? (n - p - count, n - p) : (p, p + count);

    private static double SumLine(float[] x, int line, int lo, int hi)
    {
        double s = 0;
        for (int k = lo; k < hi; k++) s += x[line + k];
        return s;
    }

    private static double SumLine(double[] x, int line, int lo, int hi)
    {
        double s = 0;
        for (int k = lo; k < hi; k++) s += x[line + k];
        return s;
    }

    private static double SumLine(int[] x, int line, int lo, int hi)
    {
        int s = 0;
        for (int k = lo; k < hi; k++) s = unchecked(s + x[line + k]);
        return s;
    }

    private static void ScanLine(float[] x, float[] y, int line, int lo, int hi, double acc, bool reverse)
    {
        if (reverse)
        {
            for (int k = hi - 1; k >= lo; k--) { acc += x[line + k]; y[line + k] = (float)acc; }
            return;
        }
        for (int k = lo; k < hi; k++) { acc += x[line + k]; y[line + k] = (float)acc; }
    }

    private static void ScanLine(double[] x, double[] y, int line, int lo, int hi, double acc, bool reverse)
    {
        if (reverse)
        {
            for (int k = hi - 1; k >= lo; k--) { acc += x[line + k]; y[line + k] = acc; }
            return;
        }
        for (int k = lo; k < hi; k++) { acc += x[line + k]; y[line + k] = acc; }
    }

    private static void ScanLine(int[] x, int[] y, int line, int lo, int hi, int acc, bool reverse)
    {
        if (reverse)
        {
            for (int k = hi - 1; k >= lo; k--) { acc = unchecked(acc + x[line + k]); y[line + k] = acc; }
            return;
        }
        for (int k = lo; k < hi; k++) { acc = unchecked(acc + x[line + k]); y[line + k] = acc; }
    }

    /// <summary>
    /// Innermost-axis scans: lines in parallel when there are several; one long line in blocks, in two passes (each
    /// block's total, then each block scanned from the sum of the blocks before it in scan order).
    /// </summary>
    private static void ForLines(Lines l, Action<int, int, int, double> scan, Func<int, int, int, double> sum)
    {
        int blocks = l.N >= ParallelLine ? l.ThreadsFor(l.N) : 1;
        if (blocks <= 1)
        {
            Parallel(l, o => scan(o, 0, l.N, 0));
            return;
        }
        int size = (l.N + blocks - 1) / blocks;
        var totals = new double[blocks];
        for (int o = 0; o < l.Outer; o++)
        {
            int line = o;
            KernelThreads.Shared.For(blocks, blocks, b =>
            {
                var (lo, hi) = Range(l.N, b * size, Math.Min(size, l.N - b * size), l.Reverse);
                totals[b] = lo < hi ? sum(line, lo, hi) : 0;
            });
            double running = 0;
            var offsets = new double[blocks];
            for (int b = 0; b < blocks; b++) { offsets[b] = running; running += totals[b]; }
            KernelThreads.Shared.For(blocks, blocks, b =>
            {
                var (lo, hi) = Range(l.N, b * size, Math.Min(size, l.N - b * size), l.Reverse);
                if (lo < hi) scan(line, lo, hi, offsets[b]);
            });
        }
    }

    private static void Parallel(Lines l, Action<int> body) =>
        KernelThreads.Shared.For(l.Outer, Math.Min(l.Outer, l.ThreadsFor(l.Size)), body);
}
