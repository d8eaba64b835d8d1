using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Matrix products for <see cref="MatMulKernel"/>: a cache-blocked, register-tiled GEMM in the usual Goto/BLIS shape.
/// B is packed per KC x NC block into panels of NR columns, A per MC x KC block into panels of MR rows (any strides,
/// so transposed and broadcast operands cost only the packing), and an MR x NR micro-kernel keeps 12 vector
/// accumulators in registers (6 rows x 2 vectors: Vector512 with AVX-512, else Vector256 with AVX2 + FMA). Several
/// threads each compute their own block of C (rows or columns), packing their own operands.
/// </summary>
internal static class Gemm
{
    /// <summary>The blocked kernel needs hardware FMA vectors and a float type; the rest runs the loop-kernel fallback.</summary>
    public static bool Supports(MatMulKernel k, VectorIsa isa) =>
        isa != VectorIsa.None && Vector256.IsHardwareAccelerated && Fma.IsSupported && k.DType is DType.Float32 or DType.Float64;

    /// <summary>
    /// The product as a delegate over the buffer table. <paramref name="forceSplit"/> splits every product across
    /// <paramref name="threads"/> without asking the cost model (tests, so the threaded paths run on small products).
    /// </summary>
    /// <paramref name="epilogue"/>, when given, is the elementwise update after the product, computed as C is stored.
    public static Action<Array[]> Create(MatMulKernel k, VectorIsa isa, int threads, bool forceSplit = false, GemmEpilogue? epilogue = null)
    {
        bool wide = isa == VectorIsa.V512 && Vector512.IsHardwareAccelerated;
        return k.DType == DType.Float32
            ? new Gemm<float>(k, wide, threads, forceSplit, epilogue).Run
            : new Gemm<double>(k, wide, threads, forceSplit, epilogue).Run;
    }
}

internal sealed partial class Gemm<T>(MatMulKernel k, bool wide, int threads, bool forceSplit = false, GemmEpilogue? epilogue = null)
    where T : unmanaged, INumber<T>
{
    private const int MR = 6;
    private readonly int NR = 2 * (wide ? Vector512<T>.Count : Vector256<T>.Count);

    /// <summary>
    /// Panel width of a narrow slab (at most two 256-bit vectors of columns, such as the 10 logits of an MLP): the
    /// 256-bit micro-kernel computes 6 x 16 f32 where the 512-bit one would compute 6 x 32, two thirds of it padding.
    /// </summary>
    private static readonly int NarrowNR = 2 * Vector256<T>.Count;

    // KC x NR of B (one micro-panel, 16 KiB) and KC x MR of A stay in L1 while the micro-kernel runs; an MC x KC
    // block of A stays in L2 while every B panel of the block passes over it. The contraction is cut into equal
    // blocks of at most KCMax (784 = 3 x 262, not 3 x 256 + 16: a thin last block would cost a whole pass over C).
    // f64 panels of A are twice as large, so f64 blocks stay within KC.
    private const int KC = 256;
    private static readonly int KCMax = typeof(T) == typeof(float) ? 320 : KC;
    private const int MC = 120;
    private const int NC = 3072;


    public void Run(Array[] buffers)
    {
        var a = (T[])buffers[k.A.Buffer];
        var b = (T[])buffers[k.B.Buffer];
        // With an epilogue the product goes straight to the update's output (same layout as C), the addend beside it.
        var c = (T[])buffers[epilogue?.Output ?? k.C.Buffer];
        var addend = epilogue is { Addend: >= 0 } e ? (T[])buffers[e.Addend] : null;
        // Packing reads and micro-kernel stores are unchecked: every address of the three views must be in range.
        CheckRange(k.A, a.Length, k.M, k.K, "input a");
        CheckRange(k.B, b.Length, k.K, k.N, "input b");
        CheckRange(k.C, c.Length, k.M, k.N, "output");
        if (addend != null) CheckRange(k.C, addend.Length, k.M, k.N, "epilogue addend");
        int batches = 1;
        foreach (int d in k.Batch) batches *= d;
        var index = new int[k.Batch.Length];
        for (int bi = 0; bi < batches; bi++)
        {
            int ao = k.A.Offset, bo = k.B.Offset, co = k.C.Offset;
            for (int d = 0; d < index.Length; d++)
            {
                ao += index[d] * k.A.BatchStrides[d];
                bo += index[d] * k.B.BatchStrides[d];
                co += index[d] * k.C.BatchStrides[d];
            }
            One(a, ao, b, bo, c, co, addend);
            for (int d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < k.Batch[d]) break;
                index[d] = 0;
            }
        }
    }

    private void CheckRange(MatrixRef r, int length, int rows, int cols, string what)
    {
        if (rows == 0 || cols == 0) return;
        long max = r.Offset, min = r.Offset;
        void Add(long span) { if (span > 0) max += span; else min += span; }
        for (int d = 0; d < k.Batch.Length; d++) Add((long)(k.Batch[d] - 1) * r.BatchStrides[d]);
        Add((long)(rows - 1) * r.RowStride);
        Add((long)(cols - 1) * r.ColStride);
        if (min < 0 || max >= length)
            throw new InvalidOperationException($"cpu: matmul {what} view {r} exceeds its buffer of {length}");
    }

    /// <summary>One product of the batch: C (m x n) = A (m x k) @ B (k x n), split across threads when it is big.</summary>
    private void One(T[] a, int ao, T[] b, int bo, T[] c, int co, T[]? d)
    {
        int m = k.M, n = k.N, kk = k.K;
        if (m == 0 || n == 0) return;
        if (kk == 0)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) c[co + i * k.C.RowStride + j * k.C.ColStride] = T.Zero;
            if (epilogue != null) Finish(c, co, m, n, d);
            return;
        }
        // Each thread takes a slab of C and packs what it needs itself, so there is no barrier between threads. A
        // slab of columns needs all of A, a slab of rows all of B: split the dimension whose operand is the larger,
        // so the smaller one is the one packed twice.
        bool splitColumns = (long)m < n;
        int unit = splitColumns ? NR : MR, extent = splitColumns ? n : m;
        int units = (extent + unit - 1) / unit;
        // The cost model decides (the product's one-thread time against a worker's measured wake-up).
        int tasks = threads > 1 && (forceSplit || KernelThreads.Shared.Pays(KernelCost.MatMul(m, n, kk))) ? Math.Min(threads, units) : 1;
        if (tasks == 1)
        {
            Slab(a, ao, b, bo, c, co, d, 0, m, 0, n);
            return;
        }
        int per = (units + tasks - 1) / tasks * unit;
        KernelThreads.Shared.For(tasks, threads, t =>
        {
            int lo = t * per, hi = Math.Min(extent, lo + per);
            if (lo >= hi) return;
            if (splitColumns) Slab(a, ao, b, bo, c, co, d, 0, m, lo, hi);
            else Slab(a, ao, b, bo, c, co, d, lo, hi, 0, n);
        });
    }

    /// <summary>Rows [i0, i1) x columns [j0, j1) of C, blocked: NC columns, then KC of the contraction, then MC rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Slab(T[] a, int ao, T[] b, int bo, T[] c, int co, T[]? d, int i0, int i1, int j0, int j1)
    {
        int kk = k.K;
        int kBlocks = (kk + KC - 1) / KC;
        if (kBlocks > 1 && (kk + kBlocks - 2) / (kBlocks - 1) <= KCMax) kBlocks--;
        int kcMax = (kk + kBlocks - 1) / kBlocks;
        // Row blocks of equal size (256 rows: 90, 90, 76 rather than 120, 120, 16, whose thin last block would stream
        // every B panel from L2 for two row panels), whole row panels each.
        int mBlocks = (i1 - i0 + MC - 1) / MC;
        int mcBlock = ((i1 - i0 + mBlocks - 1) / mBlocks + MR - 1) / MR * MR;
        int ncMax = Math.Min(NC, j1 - j0), mcMax = Math.Min(mcBlock, i1 - i0);
        int nr = ncMax <= NarrowNR ? NarrowNR : NR;
        var bp = ArrayPool<T>.Shared.Rent((ncMax + NR - 1) / NR * NR * kcMax);
        var ap = ArrayPool<T>.Shared.Rent((mcMax + MR - 1) / MR * MR * kcMax);
        try
        {
            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int pc = 0; pc < kk; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, kk - pc);
                    var finish = epilogue != null && pc + kc == kk ? d ?? c : null;   // the epilogue runs with the last contraction block
                    PackB(b, bo + pc * k.B.RowStride + jc * k.B.ColStride, kc, nc, bp, nr);
                    for (int ic = i0; ic < i1; ic += mcBlock)
                    {
                        int mc = Math.Min(mcBlock, i1 - ic);
                        int aAt = ao + ic * k.A.RowStride + pc * k.A.ColStride, cAt = co + ic * k.C.RowStride + jc * k.C.ColStride;
                        if (nc <= nr && mc >= MR)
                        {
                            // One B panel (a narrow product such as the logits layer's): each A panel is used once, so
                            // the micro-kernel reads A where it lies; only a last partial row panel is packed.
                            int whole = mc / MR * MR;
                            Block(c, cAt, whole, kc, nc, ref a[aAt], k.A.RowStride, k.A.ColStride, (nint)MR * k.A.RowStride, bp, nr,
                                accumulate: pc > 0, finish);
                            if (whole == mc) continue;
                            (aAt, cAt, mc) = (aAt + whole * k.A.RowStride, cAt + whole * k.C.RowStride, mc - whole);
                        }
                        PackA(a, aAt, mc, kc, ap);
                        Block(c, cAt, mc, kc, nc, ref ap[0], 1, MR, (nint)kc * MR, bp, nr, accumulate: pc > 0, finish);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(ap);
            ArrayPool<T>.Shared.Return(bp);
        }
    }

    /// <summary>
    /// C[mc x nc] at <paramref name="cAt"/> (+)= A block @ packed B block. A is a packed block (strides 1 and MR,
    /// panels kc * MR apart) or A itself (its own strides, panels MR rows apart); the micro-kernel reads either.
    /// <paramref name="finish"/> is set in the last contraction block of a product with an epilogue (the addend, or C
    /// itself when there is none): each tile is updated right after it is stored, while it is in L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Block(T[] c, int cAt, int mc, int kc, int nc, ref T a, int ars, int acs, nint panelStride, T[] bp, int nr,
        bool accumulate, T[]? finish)
    {
        // B panels nr wide: NR with the widest kernel, NarrowNR (the 256-bit kernel) for a narrow slab.
        bool w512 = wide && nr == NR;
        int mPanels = (mc + MR - 1) / MR, nPanels = (nc + nr - 1) / nr;
        Span<T> tile = stackalloc T[MR * 32];
        int rs = k.C.RowStride, cs = k.C.ColStride;
        for (int jp = 0; jp < nPanels; jp++)
        {
            int jr = jp * nr, cols = Math.Min(nr, nc - jr);
            ref T bpanel = ref bp[jp * kc * nr];
            for (int ip = 0; ip < mPanels; ip++)
            {
                int ir = ip * MR, rows = Math.Min(MR, mc - ir);
                ref T apanel = ref Unsafe.Add(ref a, ip * panelStride);
                int at = cAt + ir * rs + jr * cs;
                // The epilogue's addend tile is loaded while the k loop runs, as the micro-kernel does for C: read
                // after the loop, each of its rows would be a stall (rows lie n apart, so no prefetcher sees a stream).
                if (finish != null && !ReferenceEquals(finish, c)) PrefetchRows(ref finish[at], rs, rows, cols);
                if (rows == MR && cols == nr && cs == 1)
                {
                    if (w512) Micro512(kc, ref apanel, ars, acs, ref bpanel, ref c[at], rs, accumulate);
                    else Micro256(kc, ref apanel, ars, acs, ref bpanel, ref c[at], rs, accumulate);
                    if (finish != null) Update(c, at, rows, cols, finish);
                    continue;
                }
                // An edge tile (or a C with strided columns): compute the whole tile aside, copy what exists.
                if (w512) Micro512(kc, ref apanel, ars, acs, ref bpanel, ref tile[0], nr, false);
                else Micro256(kc, ref apanel, ars, acs, ref bpanel, ref tile[0], nr, false);
                for (int r = 0; r < rows; r++)
                {
                    for (int q = 0; q < cols; q++)
                    {
                        ref T dst = ref c[at + r * rs + q * cs];
                        dst = accumulate ? dst + tile[r * nr + q] : tile[r * nr + q];
                    }
                }
                if (finish != null) Update(c, at, rows, cols, finish);
            }
        }
    }
}

internal sealed partial class Gemm<T>
{
    /// <summary>The epilogue over a whole m x n result (a product with an empty contraction).</summary>
    private void Finish(T[] c, int co, int m, int n, T[]? d)
    {
        for (int i = 0; i < m; i++) Update(c, co + i * k.C.RowStride, 1, n, d ?? c);
    }

    /// <summary>
    /// out = alpha * C + beta * D over a stored tile (rows x cols at <paramref name="at"/>; an epilogue's C is
    /// row-major and contiguous, and D has C's layout). Without an addend <paramref name="d"/> is unused (out = alpha * C).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Update(T[] c, int at, int rows, int cols, T[] d)
    {
        T alpha = T.CreateTruncating(epilogue!.Alpha), beta = T.CreateTruncating(epilogue.Beta);
        if (epilogue.Addend < 0)
        {
            Scale(c, at, rows, cols, alpha);   // not alpha * C + 0 * C, which would turn an infinite C into NaN
            return;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        int w = Vector256<T>.Count, rs = k.C.RowStride;
        for (int r = 0; r < rows; r++)
        {
            ref T cr = ref c[at + r * rs];
            ref T dr = ref d[at + r * rs];
            int q = 0;
            for (; q + w <= cols; q += w)
                (va * Vector256.LoadUnsafe(ref cr, (nuint)q) + vb * Vector256.LoadUnsafe(ref dr, (nuint)q)).StoreUnsafe(ref cr, (nuint)q);
            for (; q < cols; q++) Unsafe.Add(ref cr, q) = alpha * Unsafe.Add(ref cr, q) + beta * Unsafe.Add(ref dr, q);
        }
    }

    private void Scale(T[] c, int at, int rows, int cols, T alpha)
    {
        var va = Vector256.Create(alpha);
        int w = Vector256<T>.Count, rs = k.C.RowStride;
        for (int r = 0; r < rows; r++)
        {
            ref T cr = ref c[at + r * rs];
            int q = 0;
            for (; q + w <= cols; q += w) (va * Vector256.LoadUnsafe(ref cr, (nuint)q)).StoreUnsafe(ref cr, (nuint)q);
            for (; q < cols; q++) Unsafe.Add(ref cr, q) = alpha * Unsafe.Add(ref cr, q);
        }
    }

    /// <summary>Prefetches every cache line of a rows x cols tile (rows ldc apart); a prefetch never faults.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchRows(ref T at, int ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        int perLine = 64 / Unsafe.SizeOf<T>();
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref at, r * ldc);
            for (int q = 0; q < cols; q += perLine) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref row, q)));
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref row, cols - 1)));
        }
    }
}
