using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Direct (no im2col) 2-d convolutions with stride 1, dilation 1 and one group, vectorised along the output width:
/// LeNet-style layers have few channels (C·taps = 25 or 150), so im2col's window matrix is large next to the work
/// and the GEMM runs with a tiny M. Here each example's planes stay in L1 while every output vector accumulates its
/// C·taps products in registers (4 output channels x 2 vectors per tile; a row's last vector overlaps the one before
/// when the width is not a multiple of the vector). conv_transpose is the same loop over the cotangent padded by
/// K - 1 - padding with the kernel flipped and its channel axes swapped; conv_weight_grad keeps (2 output channels x
/// 4 taps) of vector partial sums per thread across the examples and adds their lanes at the end. Padding is applied
/// by copying each example into a padded scratch plane. Examples are split over the threads.
/// </summary>
internal sealed class DirectConv<T> where T : unmanaged, INumber<T>
{
    private static readonly int V = Vector256<T>.Count;
    private readonly OpCode op;
    private readonly ConvGeometry g;
    private readonly int threads;
    // The forward loop's geometry (for conv_transpose: that of the convolution it runs).
    private readonly int cin, cout, kh, kw, hin, win, ph, pw, hp, wp, hout, wout;
    private readonly int[] tapOffset;     // c·hp·wp + i·wp + j for each tap (c, i, j)
    private readonly int[] posIn, posOut; // per output vector: its start in a padded input plane and in an output plane
    private readonly T[] posMask;         // conv_weight_grad: per output vector, 1 on lanes it owns, 0 on overlapped ones
    private readonly bool masked;         // whether any vector overlaps (the width is no multiple of the vector)
    private readonly T[] weights;         // forward: [cout/4][taps][4], zero-padded channels
    private T[][] scratch = [];
    private Vector256<T>[][] partials = [];

    /// <summary>Whether the direct loops handle <paramref name="op"/> of geometry <paramref name="g"/>.</summary>
    public static bool Applies(OpCode op, ConvGeometry g)
    {
        if (!Vector256.IsHardwareAccelerated || !Vector256<T>.IsSupported || g.Input.Length != 2 || g.Groups != 1) return false;
        for (int d = 0; d < 2; d++)
        {
            if (g.Strides[d] != 1 || g.Dilation[d] != 1) return false;
        }
        return op switch
        {
            OpCode.ConvTranspose => g.Input[1] >= V && g.Padding[0] < g.Kernel[0] && g.Padding[1] < g.Kernel[1],
            _ => g.Output[1] >= V,
        };
    }

    public DirectConv(OpCode op, ConvGeometry g, int threads)
    {
        this.op = op;
        this.g = g;
        this.threads = threads;
        (kh, kw) = (g.Kernel[0], g.Kernel[1]);
        if (op == OpCode.ConvTranspose)
        {
            // dx = conv(dy padded by K - 1 - p, w flipped with in/out channels swapped)
            (cin, cout, hin, win, hout, wout) = (g.OutChannels, g.InChannels, g.Output[0], g.Output[1], g.Input[0], g.Input[1]);
            (ph, pw) = (kh - 1 - g.Padding[0], kw - 1 - g.Padding[1]);
        }
        else
        {
            (cin, cout, hin, win, hout, wout) = (g.InChannels, g.OutChannels, g.Input[0], g.Input[1], g.Output[0], g.Output[1]);
            (ph, pw) = (g.Padding[0], g.Padding[1]);
        }
        (hp, wp) = (hin + 2 * ph, win + 2 * pw);
        int taps = cin * kh * kw;
        tapOffset = new int[taps];
        for (int c = 0, t = 0; c < cin; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) tapOffset[t++] = c * hp * wp + i * wp + j;
        int perRow = (wout + V - 1) / V;
        posIn = new int[hout * perRow];
        posOut = new int[hout * perRow];
        posMask = new T[hout * perRow * V];
        for (int r = 0, k = 0; r < hout; r++)
            for (int v = 0; v < perRow; v++, k++)
            {
                int q = Math.Min(v * V, wout - V);   // the last vector overlaps the one before
                (posIn[k], posOut[k]) = (r * wp + q, r * wout + q);
                for (int lane = 0; lane < V; lane++) posMask[k * V + lane] = q + lane >= v * V ? T.One : T.Zero;
            }
        masked = wout % V != 0;
        weights = new T[(cout + 3) / 4 * taps * 4];
    }

    public void Run(T[] a, T[] b, T[] result)
    {
        int tasks = threads > 1 ? Math.Min(threads, g.Batch) : 1;
        if (scratch.Length < tasks)
        {
            scratch = new T[tasks][];
            for (int k = 0; k < tasks; k++) scratch[k] = new T[cin * hp * wp];
            partials = new Vector256<T>[tasks][];
        }
        switch (op)
        {
            case OpCode.Conv: ArrangeWeights(b, flip: false); break;
            case OpCode.ConvTranspose: ArrangeWeights(b, flip: true); break;
        }
        int per = (g.Batch + tasks - 1) / tasks;
        if (tasks == 1) Examples(a, b, result, 0, 0, g.Batch);
        else KernelThreads.Shared.For(tasks, threads, k => Examples(a, b, result, k, k * per, Math.Min(g.Batch, (k + 1) * per)));
        if (op == OpCode.ConvWeightGrad) SumPartials(result, tasks);
    }

    /// <summary>weights[ob][t][j] = w[4·ob + j, tap t] (conv), or the flipped, channel-swapped kernel (conv_transpose).</summary>
    private void ArrangeWeights(T[] w, bool flip)
    {
        int taps = cin * kh * kw, k2 = kh * kw;
        Array.Clear(weights);
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                    {
                        // conv_transpose: w is [cin (= conv's O), cout (= conv's C), kh, kw]
                        var value = flip ? w[(c * cout + o) * k2 + (kh - 1 - i) * kw + (kw - 1 - j)] : w[(o * cin + c) * k2 + i * kw + j];
                        int t = (c * kh + i) * kw + j;
                        weights[((o / 4) * taps + t) * 4 + o % 4] = value;
                    }
    }

    private void Examples(T[] a, T[] b, T[] result, int task, int e0, int e1)
    {
        var pad = scratch[task];
        if (op == OpCode.ConvWeightGrad)
        {
            int tiles = (cout + 1) / 2 * ((cin * kh * kw + 3) / 4) * 8;
            var acc = partials[task] is { } p && p.Length == tiles ? p : partials[task] = new Vector256<T>[tiles];
            Array.Clear(acc);
            // conv_weight_grad(x, y): x is a, the cotangent y is b
            int xSize = cin * hin * win, ySize = cout * hout * wout;
            if (ph == 0 && pw == 0)
            {
                // Unpadded: each tile's sums stay in registers over all of this task's examples.
                if (e1 > e0) WeightGrad(a, e0 * xSize, xSize, b, e0 * ySize, ySize, e1 - e0, acc);
                return;
            }
            for (int e = e0; e < e1; e++) WeightGrad(Source(a, e, pad, out int at), at, 0, b, e * ySize, 0, 1, acc);
            return;
        }
        for (int e = e0; e < e1; e++) Forward(Source(a, e, pad, out int at), at, result, e * cout * hout * wout);
    }

    /// <summary>Example e's input planes: x itself when unpadded, else copied into the padded scratch.</summary>
    private T[] Source(T[] x, int e, T[] pad, out int at)
    {
        int plane = hin * win;
        if (ph == 0 && pw == 0)
        {
            at = e * cin * plane;
            return x;
        }
        Array.Clear(pad);
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < hin; r++)
                Array.Copy(x, (e * cin + c) * plane + r * win, pad, c * hp * wp + (r + ph) * wp + pw, win);
        at = 0;
        return pad;
    }

    /// <summary>
    /// One example's output planes: tiles of 4 output channels x 2 output vectors. With padding, a tile's two
    /// vectors share an output row, so the kernel rows that would only read padding rows are skipped (a third of
    /// conv_transpose's taps on LeNet's second layer).
    /// </summary>
    private void Forward(T[] src, int srcAt, T[] y, int yAt)
    {
        int plane = hout * wout, count = posIn.Length, perRow = count / hout;
        ref T x0 = ref src[srcAt];
        ref T yRef = ref y[0];
        for (int ob = 0; ob < cout; ob += 4)
        {
            int valid = Math.Min(4, cout - ob), o = yAt + ob * plane;
            if (ph == 0)
            {
                for (int k = 0; k < count; k += 2) Tile(ref x0, ob, k, Math.Min(k + 1, count - 1), 0, kh, ref yRef, o, plane, valid);
                continue;
            }
            for (int r = 0; r < hout; r++)
            {
                int lo = Math.Max(0, ph - r), hi = Math.Min(kh, ph + hin - r);   // kernel rows that read real input rows
                for (int k = r * perRow, end = k + perRow; k < end; k += 2) Tile(ref x0, ob, k, Math.Min(k + 1, end - 1), lo, hi, ref yRef, o, plane, valid);
            }
        }
    }

    /// <summary>Output vectors k0 and k1 of channels ob..ob+valid-1, from kernel rows [lo, hi) of every input channel.</summary>
    private void Tile(ref T x0, int ob, int k0, int k1, int lo, int hi, ref T yRef, int o, int plane, int valid)
    {
        int taps = tapOffset.Length, k2 = kh * kw, i0 = posIn[k0], i1 = posIn[k1];
        ref T wb = ref Unsafe.Add(ref weights[0], ob * taps);
        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<T> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int c = 0; c < cin; c++)
        {
            for (int t = c * k2 + lo * kw, end = c * k2 + hi * kw; t < end; t++)
            {
                int off = tapOffset[t];
                var u = Vector256.LoadUnsafe(ref x0, (nuint)(off + i0));
                var v = Vector256.LoadUnsafe(ref x0, (nuint)(off + i1));
                ref T wt = ref Unsafe.Add(ref wb, t * 4);
                var w = Vector256.Create(wt);
                a0 = Fma(u, w, a0);
                b0 = Fma(v, w, b0);
                w = Vector256.Create(Unsafe.Add(ref wt, 1));
                a1 = Fma(u, w, a1);
                b1 = Fma(v, w, b1);
                w = Vector256.Create(Unsafe.Add(ref wt, 2));
                a2 = Fma(u, w, a2);
                b2 = Fma(v, w, b2);
                w = Vector256.Create(Unsafe.Add(ref wt, 3));
                a3 = Fma(u, w, a3);
                b3 = Fma(v, w, b3);
            }
        }
        int o0 = o + posOut[k0], o1 = o + posOut[k1];
        a0.StoreUnsafe(ref yRef, (nuint)o0);
        b0.StoreUnsafe(ref yRef, (nuint)o1);
        if (valid > 1)
        {
            a1.StoreUnsafe(ref yRef, (nuint)(o0 + plane));
            b1.StoreUnsafe(ref yRef, (nuint)(o1 + plane));
        }
        if (valid > 2)
        {
            a2.StoreUnsafe(ref yRef, (nuint)(o0 + 2 * plane));
            b2.StoreUnsafe(ref yRef, (nuint)(o1 + 2 * plane));
        }
        if (valid > 3)
        {
            a3.StoreUnsafe(ref yRef, (nuint)(o0 + 3 * plane));
            b3.StoreUnsafe(ref yRef, (nuint)(o1 + 3 * plane));
        }
    }

    /// <summary>
    /// Some examples' share of dw (example e's planes at srcAt + e·srcStride and dyAt + e·dyStride): tiles of 2
    /// output channels x 4 taps, each a vector partial sum over the output vectors (masked where a row's last vector
    /// overlaps), kept in <paramref name="acc"/> across calls.
    /// </summary>
    private void WeightGrad(T[] src, int srcAt, int srcStride, T[] dy, int dyAt, int dyStride, int examples, Vector256<T>[] acc)
    {
        int taps = tapOffset.Length, plane = hout * wout, count = posIn.Length;
        ref T m0 = ref posMask[0];
        int tile = 0;
        for (int ob = 0; ob < cout; ob += 2)
        {
            int ob1 = Math.Min(ob + 1, cout - 1);   // an odd channel count repeats the last channel (its sums are dropped)
            for (int tb = 0; tb < taps; tb += 4, tile += 8)
            {
                int t1 = Math.Min(tb + 1, taps - 1), t2 = Math.Min(tb + 2, taps - 1), t3 = Math.Min(tb + 3, taps - 1);
                int f0 = tapOffset[tb], f1 = tapOffset[t1], f2 = tapOffset[t2], f3 = tapOffset[t3];
                var (a0, a1, a2, a3) = (acc[tile], acc[tile + 1], acc[tile + 2], acc[tile + 3]);
                var (b0, b1, b2, b3) = (acc[tile + 4], acc[tile + 5], acc[tile + 6], acc[tile + 7]);
                for (int e = 0; e < examples; e++)
                {
                    ref T x0 = ref src[srcAt + e * srcStride];
                    ref T d0 = ref dy[dyAt + e * dyStride];
                    for (int k = 0; k < count; k++)
                    {
                        int i = posIn[k], o = posOut[k];
                        var p = Vector256.LoadUnsafe(ref d0, (nuint)(ob * plane + o));
                        var q = Vector256.LoadUnsafe(ref d0, (nuint)(ob1 * plane + o));
                        if (masked)
                        {
                            var m = Vector256.LoadUnsafe(ref m0, (nuint)(k * V));
                            (p, q) = (p * m, q * m);
                        }
                        var u = Vector256.LoadUnsafe(ref x0, (nuint)(f0 + i));
                        a0 = Fma(p, u, a0);
                        b0 = Fma(q, u, b0);
                        u = Vector256.LoadUnsafe(ref x0, (nuint)(f1 + i));
                        a1 = Fma(p, u, a1);
                        b1 = Fma(q, u, b1);
                        u = Vector256.LoadUnsafe(ref x0, (nuint)(f2 + i));
                        a2 = Fma(p, u, a2);
                        b2 = Fma(q, u, b2);
                        u = Vector256.LoadUnsafe(ref x0, (nuint)(f3 + i));
                        a3 = Fma(p, u, a3);
                        b3 = Fma(q, u, b3);
                    }
                }
                (acc[tile], acc[tile + 1], acc[tile + 2], acc[tile + 3]) = (a0, a1, a2, a3);
                (acc[tile + 4], acc[tile + 5], acc[tile + 6], acc[tile + 7]) = (b0, b1, b2, b3);
            }
        }
    }

    /// <summary>dw[o, tap] = the lanes of every task's partial sums of (o, tap), added.</summary>
    private void SumPartials(T[] dw, int tasks)
    {
        int taps = tapOffset.Length, tile = 0;
        for (int ob = 0; ob < cout; ob += 2)
            for (int tb = 0; tb < taps; tb += 4, tile += 8)
                for (int s = 0; s < 8; s++)
                {
                    int o = ob + s / 4, t = tb + s % 4;
                    if (o >= cout || t >= taps) continue;
                    var sum = Vector256<T>.Zero;
                    for (int k = 0; k < tasks; k++) sum += partials[k][tile + s];
                    dw[o * taps + t] = Vector256.Sum(sum);
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }
}
