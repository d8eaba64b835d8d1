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
/// when the width is not a multiple of the vector). conv_transpose scatters along the cotangent's rows (see
/// <see cref="Transpose"/>), or, when those are narrower than a vector, runs the forward loop over the cotangent padded
/// by K - 1 - padding with the kernel flipped and its channel axes swapped. conv_weight_grad keeps (4 or 2 output
/// channels x 4 taps) of vector partial sums per thread across the examples and adds their lanes at the end. Padding
/// is applied by copying each example into a padded scratch plane. Examples are split over the threads.
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
    // conv_weight_grad tiles: 4 output channels x 4 taps (16 accumulators) where AVX-512 gives 32 vector registers,
    // else 2 x 4; the larger tile loads 8 vectors per 16 products instead of 6 per 8.
    private readonly int tileChannels = Vector512.IsHardwareAccelerated ? 4 : 2;
    // Unpadded forward tiles: 4 channels x 4 output vectors on AVX-512 (16 accumulators), else 4 x 2.
    private readonly bool wideForward = Vector512.IsHardwareAccelerated;
    private readonly T[] weights;         // forward: [cout/4][taps][4], zero-padded channels
    // conv_transpose with a cotangent at least a vector wide scatters instead (see Transpose): weights as
    // [C][kernel column fives][kernel rows][O][5], zero-padded; q-vectors of a cotangent row with their masks.
    private readonly bool scatter;
    private readonly T[] scatterWeights = [];
    private readonly int[] qStart = [];
    private readonly T[] qMask = [];
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
        if (op == OpCode.ConvTranspose && win >= V)
        {
            scatter = true;
            scatterWeights = new T[cout * ((kw + 4) / 5) * kh * cin * 5];
            int n = (win + V - 1) / V;
            qStart = new int[n];
            qMask = new T[n * V];
            for (int v = 0; v < n; v++)
            {
                qStart[v] = Math.Min(v * V, win - V);
                for (int lane = 0; lane < V; lane++) qMask[v * V + lane] = qStart[v] + lane >= v * V ? T.One : T.Zero;
            }
        }
        weights = new T[(cout + 3) / 4 * taps * 4];
    }

    public void Run(T[] a, T[] b, T[] result)
    {
        int tasks = threads > 1 ? Math.Clamp(g.Batch, 1, threads) : 1;
        if (scratch.Length < tasks)
        {
            scratch = new T[tasks][];
            // the gather's padded input planes, or the scatter's rows of dx widened by the padding
            int size = scatter ? cout * hout * (win + kw - 1) : cin * hp * wp;
            for (int k = 0; k < tasks; k++) scratch[k] = new T[size];
            partials = new Vector256<T>[tasks][];
        }
        switch (op)
        {
            case OpCode.Conv: ArrangeWeights(b, flip: false); break;
            case OpCode.ConvTranspose when scatter: ArrangeScatterWeights(b); break;
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
            int tiles = (cout + tileChannels - 1) / tileChannels * ((cin * kh * kw + 3) / 4) * tileChannels * 4;
            var acc = partials[task] is { } p && p.Length == tiles ? p : partials[task] = new Vector256<T>[tiles];
            Array.Clear(acc);
            // conv_weight_grad(x, y): x is a, the cotangent y is b
            int xSize = cin * hin * win, ySize = cout * hout * wout;
            if (ph == 0 && pw == 0)
            {
                // Unpadded: each tile's sums stay in registers over all of this task's examples.
                if (e1 > e0 && tileChannels == 4) WeightGrad4(a, e0 * xSize, xSize, b, e0 * ySize, ySize, e1 - e0, acc);
                else if (e1 > e0) WeightGrad(a, e0 * xSize, xSize, b, e0 * ySize, ySize, e1 - e0, acc);
                return;
            }
            for (int e = e0; e < e1; e++)
            {
                var src = Source(a, e, pad, out int at);
                if (tileChannels == 4) WeightGrad4(src, at, 0, b, e * ySize, 0, 1, acc);
                else WeightGrad(src, at, 0, b, e * ySize, 0, 1, acc);
            }
            return;
        }
        if (scatter)
        {
            for (int e = e0; e < e1; e++) Transpose(a, e * cin * hin * win, result, e * cout * hout * wout, pad);
            return;
        }
        for (int e = e0; e < e1; e++) Forward(Source(a, e, pad, out int at), at, result, e * cout * hout * wout);
    }

    /// <summary>scatterWeights[c][jb][i][o][jj] = w[o, c, i, 5·jb + jj] (0 past the kernel).</summary>
    private void ArrangeScatterWeights(T[] w)
    {
        // Here cin is conv's O (the cotangent's channels) and cout conv's C; w is [O, C, kh, kw].
        int jBlocks = (kw + 4) / 5;
        Array.Clear(scatterWeights);
        for (int o = 0; o < cin; o++)
            for (int c = 0; c < cout; c++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        scatterWeights[(((c * jBlocks + j / 5) * kh + i) * cin + o) * 5 + j % 5] = w[((o * cout + c) * kh + i) * kw + j];
    }

    /// <summary>
    /// One example's conv_transpose as a scatter: dx[c, R, q + j - p] += w[o, c, i, j] · dy[o, R + p - i, q] with
    /// the vector along the cotangent's row (q), so no product reads padding (the gather over the padded cotangent
    /// wastes most of LeNet's second layer on it). Tiles of 1 channel x 5 kernel columns x 2 rows of dx sum over the
    /// kernel rows and O in registers (each broadcast weight serves both rows; a cotangent row outside the plane is
    /// read clamped and multiplied by 0), then add into dx's rows at their column offsets; with column padding the
    /// rows are built widened in the scratch and their interior copied out.
    /// </summary>
    private void Transpose(T[] dy, int dyAt, T[] dx, int dxAt, T[] pad)
    {
        // In conv's terms: O = cin, C = cout, cotangent Ho x Wo = hin x win, dx Hi x Wi = hout x wout.
        int p0 = kh - 1 - ph, p1 = kw - 1 - pw, wt = win + kw - 1, jBlocks = (kw + 4) / 5, dyPlane = hin * win;
        var target = p1 == 0 ? dx : pad;
        int tAt = p1 == 0 ? dxAt : 0;
        Array.Clear(target, tAt, cout * hout * wt);
        ref T d0 = ref dy[dyAt];
        ref T tr = ref target[tAt];
        ref T ws = ref scatterWeights[0];
        for (int r = 0; r < hout; r += 2)
        {
            int r1 = Math.Min(r + 1, hout - 1);   // an odd count repeats the last row (not added twice)
            // kernel rows whose cotangent row r + p0 - i or r1 + p0 - i lies in the plane
            int iLo = Math.Max(0, r + p0 - hin + 1), iHi = Math.Min(kh - 1, r1 + p0);
            for (int k = 0; k < qStart.Length; k++)
            {
                int q = qStart[k];
                var m = Vector256.LoadUnsafe(ref qMask[0], (nuint)(k * V));
                for (int c = 0; c < cout; c++)
                    for (int jb = 0; jb < kw; jb += 5)
                    {
                        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default;
                        Vector256<T> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default;
                        for (int i = iLo; i <= iHi; i++)
                        {
                            int y0 = r + p0 - i, y1 = r1 + p0 - i;
                            var m0 = (uint)y0 < (uint)hin ? m : Vector256<T>.Zero;
                            var m1 = (uint)y1 < (uint)hin ? m : Vector256<T>.Zero;
                            int row0 = Math.Clamp(y0, 0, hin - 1) * win + q, row1 = Math.Clamp(y1, 0, hin - 1) * win + q;
                            ref T wi = ref Unsafe.Add(ref ws, ((c * jBlocks + jb / 5) * kh + i) * cin * 5);
                            for (int o = 0; o < cin; o++)
                            {
                                var u = Vector256.LoadUnsafe(ref d0, (nuint)(o * dyPlane + row0)) * m0;
                                var v = Vector256.LoadUnsafe(ref d0, (nuint)(o * dyPlane + row1)) * m1;
                                ref T wo = ref Unsafe.Add(ref wi, o * 5);
                                var w = Vector256.Create(wo);
                                (a0, b0) = (Fma(u, w, a0), Fma(v, w, b0));
                                w = Vector256.Create(Unsafe.Add(ref wo, 1));
                                (a1, b1) = (Fma(u, w, a1), Fma(v, w, b1));
                                w = Vector256.Create(Unsafe.Add(ref wo, 2));
                                (a2, b2) = (Fma(u, w, a2), Fma(v, w, b2));
                                w = Vector256.Create(Unsafe.Add(ref wo, 3));
                                (a3, b3) = (Fma(u, w, a3), Fma(v, w, b3));
                                w = Vector256.Create(Unsafe.Add(ref wo, 4));
                                (a4, b4) = (Fma(u, w, a4), Fma(v, w, b4));
                            }
                        }
                        int at = (c * hout + r) * wt + q + jb, js = Math.Min(5, kw - jb);
                        AddAt(ref tr, at, a0, a1, a2, a3, a4, js);
                        if (r1 != r) AddAt(ref tr, at + wt, b0, b1, b2, b3, b4, js);
                    }
            }
        }
        if (p1 == 0) return;
        for (int c = 0; c < cout; c++)
            for (int r = 0; r < hout; r++) Array.Copy(pad, (c * hout + r) * wt + p1, dx, dxAt + (c * hout + r) * wout, wout);
    }

    /// <summary>row[at + j ..] += the j-th of the first <paramref name="count"/> vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddAt(ref T row, int at, Vector256<T> v0, Vector256<T> v1, Vector256<T> v2, Vector256<T> v3, Vector256<T> v4, int count)
    {
        (Vector256.LoadUnsafe(ref row, (nuint)at) + v0).StoreUnsafe(ref row, (nuint)at);
        if (count > 1) (Vector256.LoadUnsafe(ref row, (nuint)(at + 1)) + v1).StoreUnsafe(ref row, (nuint)(at + 1));
        if (count > 2) (Vector256.LoadUnsafe(ref row, (nuint)(at + 2)) + v2).StoreUnsafe(ref row, (nuint)(at + 2));
        if (count > 3) (Vector256.LoadUnsafe(ref row, (nuint)(at + 3)) + v3).StoreUnsafe(ref row, (nuint)(at + 3));
        if (count > 4) (Vector256.LoadUnsafe(ref row, (nuint)(at + 4)) + v4).StoreUnsafe(ref row, (nuint)(at + 4));
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
            if (ph == 0 && wideForward)
            {
                for (int k = 0; k < count; k += 4) Tile4(ref x0, ob, k, count, ref yRef, o, plane, valid);
                continue;
            }
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

    /// <summary>
    /// Output vectors k0..k0+3 (the last repeated past <paramref name="count"/>) of channels ob..ob+valid-1, from every
    /// tap: 16 accumulators, for AVX-512's 32 registers (8 loads per 16 products instead of 6 per 8).
    /// </summary>
    private void Tile4(ref T x0, int ob, int k0, int count, ref T yRef, int o, int plane, int valid)
    {
        int taps = tapOffset.Length;
        int k1 = Math.Min(k0 + 1, count - 1), k2 = Math.Min(k0 + 2, count - 1), k3 = Math.Min(k0 + 3, count - 1);
        int i0 = posIn[k0], i1 = posIn[k1], i2 = posIn[k2], i3 = posIn[k3];
        ref T wb = ref Unsafe.Add(ref weights[0], ob * taps);
        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<T> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<T> d0 = default, d1 = default, d2 = default, d3 = default;
        for (int t = 0; t < taps; t++)
        {
            int off = tapOffset[t];
            var u = Vector256.LoadUnsafe(ref x0, (nuint)(off + i0));
            var v = Vector256.LoadUnsafe(ref x0, (nuint)(off + i1));
            var x = Vector256.LoadUnsafe(ref x0, (nuint)(off + i2));
            var z = Vector256.LoadUnsafe(ref x0, (nuint)(off + i3));
            ref T wt = ref Unsafe.Add(ref wb, t * 4);
            var w = Vector256.Create(wt);
            (a0, b0, c0, d0) = (Fma(u, w, a0), Fma(v, w, b0), Fma(x, w, c0), Fma(z, w, d0));
            w = Vector256.Create(Unsafe.Add(ref wt, 1));
            (a1, b1, c1, d1) = (Fma(u, w, a1), Fma(v, w, b1), Fma(x, w, c1), Fma(z, w, d1));
            w = Vector256.Create(Unsafe.Add(ref wt, 2));
            (a2, b2, c2, d2) = (Fma(u, w, a2), Fma(v, w, b2), Fma(x, w, c2), Fma(z, w, d2));
            w = Vector256.Create(Unsafe.Add(ref wt, 3));
            (a3, b3, c3, d3) = (Fma(u, w, a3), Fma(v, w, b3), Fma(x, w, c3), Fma(z, w, d3));
        }
        Store4(ref yRef, o + posOut[k0], plane, valid, a0, a1, a2, a3);
        Store4(ref yRef, o + posOut[k1], plane, valid, b0, b1, b2, b3);
        Store4(ref yRef, o + posOut[k2], plane, valid, c0, c1, c2, c3);
        Store4(ref yRef, o + posOut[k3], plane, valid, d0, d1, d2, d3);
    }

    /// <summary>One output vector of the first <paramref name="valid"/> of 4 channels, planes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(ref T y, int at, int plane, int valid, Vector256<T> v0, Vector256<T> v1, Vector256<T> v2, Vector256<T> v3)
    {
        v0.StoreUnsafe(ref y, (nuint)at);
        if (valid > 1) v1.StoreUnsafe(ref y, (nuint)(at + plane));
        if (valid > 2) v2.StoreUnsafe(ref y, (nuint)(at + 2 * plane));
        if (valid > 3) v3.StoreUnsafe(ref y, (nuint)(at + 3 * plane));
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

    /// <summary>As <see cref="WeightGrad"/> with tiles of 4 output channels x 4 taps (32 vector registers).</summary>
    private void WeightGrad4(T[] src, int srcAt, int srcStride, T[] dy, int dyAt, int dyStride, int examples, Vector256<T>[] acc)
    {
        int taps = tapOffset.Length, plane = hout * wout, count = posIn.Length;
        ref T m0 = ref posMask[0];
        int tile = 0;
        for (int ob = 0; ob < cout; ob += 4)
        {
            // a channel count that is no multiple of 4 repeats the last channel (its sums are dropped)
            int o1 = Math.Min(ob + 1, cout - 1) * plane, o2 = Math.Min(ob + 2, cout - 1) * plane, o3 = Math.Min(ob + 3, cout - 1) * plane, o0 = ob * plane;
            for (int tb = 0; tb < taps; tb += 4, tile += 16)
            {
                int f0 = tapOffset[tb], f1 = tapOffset[Math.Min(tb + 1, taps - 1)], f2 = tapOffset[Math.Min(tb + 2, taps - 1)], f3 = tapOffset[Math.Min(tb + 3, taps - 1)];
                var (a0, a1, a2, a3) = (acc[tile], acc[tile + 1], acc[tile + 2], acc[tile + 3]);
                var (b0, b1, b2, b3) = (acc[tile + 4], acc[tile + 5], acc[tile + 6], acc[tile + 7]);
                var (c0, c1, c2, c3) = (acc[tile + 8], acc[tile + 9], acc[tile + 10], acc[tile + 11]);
                var (d0, d1, d2, d3) = (acc[tile + 12], acc[tile + 13], acc[tile + 14], acc[tile + 15]);
                for (int e = 0; e < examples; e++)
                {
                    ref T x0 = ref src[srcAt + e * srcStride];
                    ref T y0 = ref dy[dyAt + e * dyStride];
                    for (int k = 0; k < count; k++)
                    {
                        int i = posIn[k], o = posOut[k];
                        var p = Vector256.LoadUnsafe(ref y0, (nuint)(o0 + o));
                        var q = Vector256.LoadUnsafe(ref y0, (nuint)(o1 + o));
                        var r = Vector256.LoadUnsafe(ref y0, (nuint)(o2 + o));
                        var s = Vector256.LoadUnsafe(ref y0, (nuint)(o3 + o));
                        if (masked)
                        {
                            var m = Vector256.LoadUnsafe(ref m0, (nuint)(k * V));
                            (p, q, r, s) = (p * m, q * m, r * m, s * m);
                        }
                        var u = Vector256.LoadUnsafe(ref x0, (nuint)(f0 + i));
                        (a0, b0, c0, d0) = (Fma(p, u, a0), Fma(q, u, b0), Fma(r, u, c0), Fma(s, u, d0));
                        u = Vector256.LoadUnsafe(ref x0, (nuint)(f1 + i));
                        (a1, b1, c1, d1) = (Fma(p, u, a1), Fma(q, u, b1), Fma(r, u, c1), Fma(s, u, d1));
                        u = Vector256.LoadUnsafe(ref x0, (nuint)(f2 + i));
                        (a2, b2, c2, d2) = (Fma(p, u, a2), Fma(q, u, b2), Fma(r, u, c2), Fma(s, u, d2));
                        u = Vector256.LoadUnsafe(ref x0, (nuint)(f3 + i));
                        (a3, b3, c3, d3) = (Fma(p, u, a3), Fma(q, u, b3), Fma(r, u, c3), Fma(s, u, d3));
                    }
                }
                (acc[tile], acc[tile + 1], acc[tile + 2], acc[tile + 3]) = (a0, a1, a2, a3);
                (acc[tile + 4], acc[tile + 5], acc[tile + 6], acc[tile + 7]) = (b0, b1, b2, b3);
                (acc[tile + 8], acc[tile + 9], acc[tile + 10], acc[tile + 11]) = (c0, c1, c2, c3);
                (acc[tile + 12], acc[tile + 13], acc[tile + 14], acc[tile + 15]) = (d0, d1, d2, d3);
            }
        }
    }

    /// <summary>dw[o, tap] = the lanes of every task's partial sums of (o, tap), added.</summary>
    private void SumPartials(T[] dw, int tasks)
    {
        int taps = tapOffset.Length, tile = 0, size = tileChannels * 4;
        for (int ob = 0; ob < cout; ob += tileChannels)
            for (int tb = 0; tb < taps; tb += 4, tile += size)
                for (int s = 0; s < size; s++)
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
