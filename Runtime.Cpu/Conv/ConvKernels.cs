using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Runs the convolution family (<see cref="HostOpKernel"/>s of conv, conv_transpose, conv_weight_grad; max pooling
/// goes to <see cref="MaxPoolRunner{T}"/>) as im2col +
/// GEMM, Caffe's scheme: the windows of x for the whole batch are copied into one matrix cols [C·taps, N·P] (zeros
/// for padding), so each group's convolution is one large product that the blocked <see cref="Gemm{T}"/> spreads over
/// the threads: y = w · cols, dcols = wᵀ · y (then scattered back, col2im), dw = y · colsᵀ. The batch-major y is
/// rearranged to channel-major [O, N·P] around the product so that N·P is one matrix axis.
/// </summary>
internal static class ConvKernels
{
    public static Action<Array[]> Compile(HostOpKernel kernel, VectorIsa isa, int threads)
    {
        if (kernel.Equation.Op is OpCode.MaxPoolPick or OpCode.MaxPoolScatter)
        {
            return kernel.Equation.DType switch
            {
                DType.Float32 => new MaxPoolRunner<float>(kernel, threads, isa != VectorIsa.None).Run,
                DType.Float64 => new MaxPoolRunner<double>(kernel, threads, isa != VectorIsa.None).Run,
                var d => throw new NotSupportedException($"cpu: {kernel.Equation.Op.Name()} of {d.ShortName()} is not supported; max pooling takes f32 or f64"),
            };
        }
        bool gemm = isa != VectorIsa.None && Vector256.IsHardwareAccelerated && Fma.IsSupported;
        bool wide = isa == VectorIsa.V512 && Vector512.IsHardwareAccelerated;
        return kernel.Equation.DType switch
        {
            DType.Float32 => new ConvRunner<float>(kernel, gemm, wide, threads).Run,
            DType.Float64 => new ConvRunner<double>(kernel, gemm, wide, threads).Run,
            var d => throw new NotSupportedException($"cpu: {kernel.Equation.Op.Name()} of {d.ShortName()} is not supported; convolutions take f32 or f64"),
        };
    }
}

/// <summary>One compiled convolution: geometry, window table, products and scratch, built once.</summary>
internal sealed class ConvRunner<T> where T : unmanaged, INumber<T>
{
    private readonly OpCode op;
    private readonly int in0, in1, output;
    private readonly ConvGeometry g;
    // The windows by rows of the last spatial axis: tap t reads output row r (all axes but the last) from the input row
    // starting at rowBase[t·rows + r] (-1: a padding row), and along the last axis output q in [lo[t], hi[t]) from
    // q·stride + off[t] (the rest is padding). With stride 1 a row is one contiguous copy.
    private readonly int[] rowBase, lo, hi, off;
    private readonly int rows, width, stride;
    private readonly int threads;
    private readonly int rowsPerGroup, cols;   // Cg·taps and N·P: the shape of one group's window matrix
    private readonly Action<Array[]> product;
    private readonly object gate = new();
    private T[] windows = [];
    private T[] channelMajor = [];
    private readonly DirectConv<T>? direct;


    /// <summary>
    /// TRACER_CONV_IM2COL=1 when a convolution is compiled sends it through im2col + GEMM even where the direct loops
    /// apply (to measure one against the other; read per kernel so that one process can compile both).
    /// </summary>
    private static bool ForceIm2Col => Environment.GetEnvironmentVariable("TRACER_CONV_IM2COL") == "1";

    public ConvRunner(HostOpKernel kernel, bool gemm, bool wide, int threads)
    {
        var eq = kernel.Equation;
        op = eq.Op;
        (in0, in1, output) = (kernel.Inputs[0], kernel.Inputs[1], kernel.Output);
        var name = op.Name();
        g = op switch
        {
            OpCode.Conv => ConvGeometry.Create(name, eq.Inputs[0].Shape, eq.Inputs[1].Shape, eq.Attrs),
            OpCode.ConvTranspose => ConvGeometry.Create(name, eq.Attrs.Shape!.Value, eq.Inputs[1].Shape, eq.Attrs),
            _ => ConvGeometry.Create(name, eq.Inputs[0].Shape, eq.Attrs.Shape!.Value, eq.Attrs),
        };
        // Stride-1 2-d layers run direct loops when vectors are available (see DirectConv); the rest im2col + GEMM.
        if (gemm && !ForceIm2Col && DirectConv<T>.Applies(op, g)) direct = new DirectConv<T>(op, g, threads);
        (rowBase, lo, hi, off, rows, width, stride) = RowRuns(g);
        this.threads = threads;
        rowsPerGroup = g.GroupInChannels * g.KernelSize;
        cols = g.Batch * g.OutputSize;
        int og = g.GroupOutChannels, kk = rowsPerGroup, np = cols;
        // Operands of the batched (over groups) product, as buffers 0 (a), 1 (b), 2 (c) of the call.
        var (m, n, k, a, b, c) = op switch
        {
            // y[g] (Og x NP) = w[g] (Og x Cg·taps) @ cols[g]
            OpCode.Conv => (og, np, kk, new MatrixRef(0, 0, [og * kk], kk, 1), new MatrixRef(1, 0, [kk * np], np, 1), new MatrixRef(2, 0, [og * np], np, 1)),
            // dcols[g] (Cg·taps x NP) = w[g]ᵀ @ y[g]
            OpCode.ConvTranspose => (kk, np, og, new MatrixRef(0, 0, [og * kk], 1, kk), new MatrixRef(1, 0, [og * np], np, 1), new MatrixRef(2, 0, [kk * np], np, 1)),
            // dw[g]ᵀ (Cg·taps x Og) = cols[g] @ y[g]ᵀ: the long N·P axis is the contraction, and packing reads the
            // window matrix along its rows and y along Og columns (packing colsᵀ instead would stride through
            // Cg·taps columns at once); the transposed store into dw costs one tile copy per block.
            _ => (kk, og, np, new MatrixRef(1, 0, [kk * np], np, 1), new MatrixRef(0, 0, [og * np], 1, np), new MatrixRef(2, 0, [og * kk], 1, kk)),
        };
        var mm = new MatMulKernel([g.Groups], m, n, k, a, b, c, eq.DType);
        product = gemm ? new Gemm<T>(mm, wide, threads).Run : buffers => Naive(mm, (T[])buffers[mm.A.Buffer], (T[])buffers[mm.B.Buffer], (T[])buffers[mm.C.Buffer]);
    }

    public void Run(Array[] buffers)
    {
        // Scratch belongs to the runner; concurrent calls of one executable take turns.
        lock (gate) RunLocked(buffers);
    }

    private void RunLocked(Array[] buffers)
    {
        if (direct is not null)
        {
            direct.Run((T[])buffers[in0], (T[])buffers[in1], (T[])buffers[output]);
            return;
        }
        int windowLength = g.Groups * rowsPerGroup * cols, yLength = g.OutChannels * cols;
        if (windows.Length < windowLength) windows = new T[windowLength];
        switch (op)
        {
            case OpCode.Conv:
            {
                var x = (T[])buffers[in0];
                var y = (T[])buffers[output];
                Im2Col(x);
                var target = g.Batch == 1 ? y : ChannelMajorScratch(yLength);   // for one example both layouts agree
                product([(T[])buffers[in1], windows, target]);
                if (g.Batch > 1) ToBatchMajor(target, y);
                break;
            }
            case OpCode.ConvTranspose:
            {
                var y = (T[])buffers[in0];
                var x = (T[])buffers[output];
                product([(T[])buffers[in1], ToChannelMajor(y, yLength), windows]);
                Col2Im(x);
                break;
            }
            default:
            {
                var x = (T[])buffers[in0];
                var y = (T[])buffers[in1];
                Im2Col(x);
                product([ToChannelMajor(y, yLength), windows, (T[])buffers[output]]);
                break;
            }
        }
    }

    private T[] ChannelMajorScratch(int length)
    {
        if (channelMajor.Length < length) channelMajor = new T[length];
        return channelMajor;
    }

    /// <summary>y [N, O, P] as [O, N·P] (y itself when N = 1).</summary>
    private T[] ToChannelMajor(T[] y, int length)
    {
        if (g.Batch == 1) return y;
        var t = ChannelMajorScratch(length);
        int outs = g.OutputSize, o = g.OutChannels;
        for (int e = 0; e < g.Batch; e++)
            for (int ch = 0; ch < o; ch++) Array.Copy(y, (e * o + ch) * outs, t, ch * cols + e * outs, outs);
        return t;
    }

    private void ToBatchMajor(T[] t, T[] y)
    {
        int outs = g.OutputSize, o = g.OutChannels;
        for (int e = 0; e < g.Batch; e++)
            for (int ch = 0; ch < o; ch++) Array.Copy(t, ch * cols + e * outs, y, (e * o + ch) * outs, outs);
    }

    /// <summary>The row runs of <paramref name="g"/> (see the fields).</summary>
    private static (int[] RowBase, int[] Lo, int[] Hi, int[] Off, int Rows, int Width, int Stride) RowRuns(ConvGeometry g)
    {
        int rank = g.Input.Length, last = rank - 1, taps = g.KernelSize;
        int width = g.Output[last], inWidth = g.Input[last], stride = g.Strides[last];
        int rows = g.OutputSize / width;
        var rowBase = new int[taps * rows];
        var (lo, hi, off) = (new int[taps], new int[taps], new int[taps]);
        var k = new int[rank];
        var p = new int[rank];
        for (int t = 0; t < taps; t++)
        {
            for (int d = last, f = t; d >= 0; d--)
            {
                k[d] = f % g.Kernel[d];
                f /= g.Kernel[d];
            }
            off[t] = k[last] * g.Dilation[last] - g.Padding[last];
            // q·stride + off in [0, inWidth)
            lo[t] = off[t] >= 0 ? 0 : Math.Min(width, (-off[t] + stride - 1) / stride);
            hi[t] = inWidth - 1 - off[t] < 0 ? lo[t] : Math.Max(lo[t], Math.Min(width, (inWidth - 1 - off[t]) / stride + 1));
            for (int r = 0; r < rows; r++)
            {
                for (int d = last - 1, f = r; d >= 0; d--)
                {
                    p[d] = f % g.Output[d];
                    f /= g.Output[d];
                }
                int flat = 0;
                for (int d = 0; d < last; d++)
                {
                    int i = p[d] * g.Strides[d] + k[d] * g.Dilation[d] - g.Padding[d];
                    if (i < 0 || i >= g.Input[d])
                    {
                        flat = -1;
                        break;
                    }
                    flat = flat * g.Input[d] + i;
                }
                rowBase[t * rows + r] = flat < 0 ? -1 : flat * inWidth;
            }
        }
        return (rowBase, lo, hi, off, rows, width, stride);
    }

    /// <summary>windows[(c·taps + t), e·P + p] = x[e, c, window (t, p)], 0 on padding; rows split over the threads.</summary>
    private void Im2Col(T[] x)
    {
        int count = g.InChannels * g.KernelSize;
        int tasks = Tasks(count);
        if (tasks == 1)
        {
            Im2ColRows(x, 0, count);
            return;
        }
        int per = (count + tasks - 1) / tasks;
        KernelThreads.Shared.For(tasks, threads, t => Im2ColRows(x, t * per, Math.Min(count, (t + 1) * per)));
    }

    private void Im2ColRows(T[] x, int r0, int r1)
    {
        int taps = g.KernelSize, outs = g.OutputSize, ins = g.InputSize, ch = g.InChannels;
        for (int row = r0; row < r1; row++)
        {
            int c = row / taps, t = row % taps;
            var (q0, q1, o) = (lo[t], hi[t], off[t]);
            for (int e = 0; e < g.Batch; e++)
            {
                int xAt = (e * ch + c) * ins;
                var dst = windows.AsSpan(row * cols + e * outs, outs);
                for (int r = 0; r < rows; r++)
                {
                    var line = dst.Slice(r * width, width);
                    int b = rowBase[t * rows + r];
                    if (b < 0 || q0 == q1)
                    {
                        line.Clear();
                        continue;
                    }
                    // Clearing or copying an empty span still costs a call; rows are short (8-32 elements in a LeNet).
                    if (q0 > 0) line[..q0].Clear();
                    if (q1 < width) line[q1..].Clear();
                    int from = xAt + b + q0 * stride + o;
                    if (stride == 1)
                    {
                        // A contiguous run: one block copy. (An element loop with its bounds checks took most of a
                        // LeNet layer's forward time.)
                        x.AsSpan(from, q1 - q0).CopyTo(line[q0..]);
                        continue;
                    }
                    for (int q = q0; q < q1; q++, from += stride) line[q] = x[from];
                }
            }
        }
    }

    /// <summary>x[e, c, window (t, p)] += windows[(c·taps + t), e·P + p]: planes (example, channel) split over the threads.</summary>
    private void Col2Im(T[] x)
    {
        int planes = g.Batch * g.InChannels;
        int tasks = Tasks(planes);
        if (tasks == 1)
        {
            Col2ImPlanes(x, 0, planes);
            return;
        }
        int per = (planes + tasks - 1) / tasks;
        KernelThreads.Shared.For(tasks, threads, t => Col2ImPlanes(x, t * per, Math.Min(planes, (t + 1) * per)));
    }

    private void Col2ImPlanes(T[] x, int p0, int p1)
    {
        int taps = g.KernelSize, outs = g.OutputSize, ins = g.InputSize, ch = g.InChannels;
        for (int plane = p0; plane < p1; plane++)
        {
            int e = plane / ch, c = plane % ch, xAt = plane * ins;
            Array.Clear(x, xAt, ins);
            for (int t = 0; t < taps; t++)
            {
                var (q0, q1, o) = (lo[t], hi[t], off[t]);
                if (q0 == q1) continue;
                var src = windows.AsSpan((c * taps + t) * cols + e * outs, outs);
                for (int r = 0; r < rows; r++)
                {
                    int b = rowBase[t * rows + r];
                    if (b < 0) continue;
                    int to = xAt + b + q0 * stride + o;
                    var line = src.Slice(r * width + q0, q1 - q0);
                    if (stride == 1)
                    {
                        AddInto(x.AsSpan(to, q1 - q0), line);
                        continue;
                    }
                    for (int q = 0; q < line.Length; q++, to += stride) x[to] += line[q];
                }
            }
        }
    }

    /// <summary>dst += src, vectorised.</summary>
    private static void AddInto(Span<T> dst, ReadOnlySpan<T> src)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; i <= dst.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(dst[i..]) + new Vector<T>(src[i..])).CopyTo(dst[i..]);
        }
        for (; i < dst.Length; i++) dst[i] += src[i];
    }

    /// <summary>How many threads a copy of <paramref name="units"/> rows is worth (small ones stay on this thread).</summary>
    private int Tasks(int units)
    {
        long work = (long)g.Batch * g.InChannels * g.KernelSize * g.OutputSize;
        return threads > 1 && work >= 1 << 16 ? Math.Min(threads, units) : 1;
    }

    /// <summary>The product without vector hardware: plain loops, C overwritten.</summary>
    private static void Naive(MatMulKernel k, T[] a, T[] b, T[] c)
    {
        for (int bi = 0; bi < k.Batch[0]; bi++)
        {
            int ao = bi * k.A.BatchStrides[0], bo = bi * k.B.BatchStrides[0], co = bi * k.C.BatchStrides[0];
            for (int i = 0; i < k.M; i++)
            {
                int cRow = co + i * k.C.RowStride;
                for (int j = 0; j < k.N; j++) c[cRow + j * k.C.ColStride] = T.Zero;
                for (int t = 0; t < k.K; t++)
                {
                    var av = a[ao + i * k.A.RowStride + t * k.A.ColStride];
                    int bRow = bo + t * k.B.RowStride;
                    for (int j = 0; j < k.N; j++) c[cRow + j * k.C.ColStride] += av * b[bRow + j * k.B.ColStride];
                }
            }
        }
    }
}
