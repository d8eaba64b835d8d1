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
/// accumulators in registers (6 rows x 2 vectors: Vector512 with AVX-512, else Vector256 with AVX2 + FMA). Row blocks of A run on several threads; each writes its own rows of C.
/// </summary>
internal static class Gemm
{
    /// <summary>The blocked kernel needs hardware FMA vectors and a float type; the rest runs the loop-kernel fallback.</summary>
    public static bool Supports(MatMulKernel k, VectorIsa isa) =>
        isa != VectorIsa.None && Vector256.IsHardwareAccelerated && Fma.IsSupported && k.DType is DType.Float32 or DType.Float64;

    public static Action<Array[]> Create(MatMulKernel k, VectorIsa isa, int threads)
    {
        bool wide = isa == VectorIsa.V512 && Vector512.IsHardwareAccelerated;
        return k.DType == DType.Float32 ? new Gemm<float>(k, wide, threads).Run : new Gemm<double>(k, wide, threads).Run;
    }
}

internal sealed class Gemm<T>(MatMulKernel k, bool wide, int threads) where T : unmanaged, INumber<T>
{
    private const int MR = 6;
    private readonly int NR = 2 * (wide ? Vector512<T>.Count : Vector256<T>.Count);
    private static readonly int KC = typeof(T) == typeof(float) ? 384 : 256;
    private const int MC = 96;
    private const int NC = 3072;

    public void Run(Array[] buffers)
    {
        var a = (T[])buffers[k.A.Buffer];
        var b = (T[])buffers[k.B.Buffer];
        var c = (T[])buffers[k.C.Buffer];
        CheckRange(k.C, c.Length, k.M, k.N);
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
            One(a, ao, b, bo, c, co);
            for (int d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < k.Batch[d]) break;
                index[d] = 0;
            }
        }
    }

    /// <summary>The unchecked stores of the micro-kernel stay inside C (the lowering guarantees it; this proves it).</summary>
    private void CheckRange(MatrixRef r, int length, int m, int n)
    {
        long max = r.Offset, min = r.Offset;
        void Add(long span) { if (span > 0) max += span; else min += span; }
        for (int d = 0; d < k.Batch.Length; d++) Add((long)(k.Batch[d] - 1) * r.BatchStrides[d]);
        Add((long)(m - 1) * r.RowStride);
        Add((long)(n - 1) * r.ColStride);
        if (m > 0 && n > 0 && (min < 0 || max >= length))
            throw new InvalidOperationException($"cpu: matmul output view {r} exceeds its buffer of {length}");
    }

    private void One(T[] a, int ao, T[] b, int bo, T[] c, int co)
    {
        int m = k.M, n = k.N, kk = k.K;
        if (m == 0 || n == 0) return;
        if (kk == 0)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) c[co + i * k.C.RowStride + j * k.C.ColStride] = T.Zero;
            return;
        }
        int nPanelsMax = (Math.Min(NC, n) + NR - 1) / NR;
        var bp = ArrayPool<T>.Shared.Rent(nPanelsMax * NR * Math.Min(KC, kk));
        int rowBlocks = (m + MC - 1) / MC;
        int mc = MC;
        int parallelism = Math.Min(threads, rowBlocks);
        if (threads > 1 && (long)m * n * kk >= 1L << 18)
        {
            // Enough row blocks for every thread, in multiples of MR.
            mc = Math.Min(MC, ((m + threads - 1) / threads + MR - 1) / MR * MR);
            rowBlocks = (m + mc - 1) / mc;
            parallelism = Math.Min(threads, rowBlocks);
        }
        else
        {
            parallelism = 1;
        }
        try
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < kk; pc += KC)
                {
                    int kc = Math.Min(KC, kk - pc);
                    PackB(b, bo + pc * k.B.RowStride + jc * k.B.ColStride, kc, nc, bp);
                    bool accumulate = pc > 0;
                    if (parallelism > 1)
                    {
                        int blockCount = rowBlocks, mcc = mc, jcc = jc;
                        Parallel.For(0, blockCount, new ParallelOptions { MaxDegreeOfParallelism = parallelism },
                            blk => Block(a, ao, c, co, blk * mcc, Math.Min(mcc, m - blk * mcc), pc, kc, jcc, nc, bp, accumulate));
                    }
                    else
                    {
                        for (int ic = 0; ic < m; ic += mc)
                            Block(a, ao, c, co, ic, Math.Min(mc, m - ic), pc, kc, jc, nc, bp, accumulate);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bp);
        }
    }

    /// <summary>Rows [ic, ic + mc) of C for one packed B block.</summary>
    private void Block(T[] a, int ao, T[] c, int co, int ic, int mc, int pc, int kc, int jc, int nc, T[] bp, bool accumulate)
    {
        int mPanels = (mc + MR - 1) / MR, nPanels = (nc + NR - 1) / NR;
        var ap = ArrayPool<T>.Shared.Rent(mPanels * MR * kc);
        try
        {
            PackA(a, ao + ic * k.A.RowStride + pc * k.A.ColStride, mc, kc, ap);
            Span<T> tile = stackalloc T[MR * 32];
            int rs = k.C.RowStride, cs = k.C.ColStride;
            for (int jp = 0; jp < nPanels; jp++)
            {
                int j0 = jp * NR, cols = Math.Min(NR, nc - j0);
                ref T bpanel = ref bp[jp * kc * NR];
                for (int ip = 0; ip < mPanels; ip++)
                {
                    int i0 = ip * MR, rows = Math.Min(MR, mc - i0);
                    ref T apanel = ref ap[ip * kc * MR];
                    int cAt = co + (ic + i0) * rs + (jc + j0) * cs;
                    if (rows == MR && cols == NR && cs == 1)
                    {
                        if (wide) Micro512(kc, ref apanel, ref bpanel, ref c[cAt], rs, accumulate);
                        else Micro256(kc, ref apanel, ref bpanel, ref c[cAt], rs, accumulate);
                        continue;
                    }
                    if (wide) Micro512(kc, ref apanel, ref bpanel, ref tile[0], NR, false);
                    else Micro256(kc, ref apanel, ref bpanel, ref tile[0], NR, false);
                    for (int r = 0; r < rows; r++)
                    {
                        for (int q = 0; q < cols; q++)
                        {
                            ref T dst = ref c[cAt + r * rs + q * cs];
                            dst = accumulate ? dst + tile[r * NR + q] : tile[r * NR + q];
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(ap);
        }
    }

    /// <summary>B[kc x nc] into panels of NR columns, row by row, zero-padded: bp[(panel * kc + p) * NR + j].</summary>
    private void PackB(T[] b, int at, int kc, int nc, T[] bp)
    {
        int rs = k.B.RowStride, cs = k.B.ColStride;
        int nPanels = (nc + NR - 1) / NR;
        for (int jp = 0; jp < nPanels; jp++)
        {
            int j0 = jp * NR, cols = Math.Min(NR, nc - j0);
            int dst = jp * kc * NR;
            for (int p = 0; p < kc; p++, dst += NR)
            {
                int src = at + p * rs + j0 * cs;
                if (cs == 1 && cols == NR)
                {
                    b.AsSpan(src, NR).CopyTo(bp.AsSpan(dst, NR));
                    continue;
                }
                int q = 0;
                for (; q < cols; q++) bp[dst + q] = b[src + q * cs];
                for (; q < NR; q++) bp[dst + q] = T.Zero;
            }
        }
    }

    /// <summary>A[mc x kc] into panels of MR rows, column by column, zero-padded: ap[(panel * kc + p) * MR + i].</summary>
    private void PackA(T[] a, int at, int mc, int kc, T[] ap)
    {
        int rs = k.A.RowStride, cs = k.A.ColStride;
        int mPanels = (mc + MR - 1) / MR;
        for (int ip = 0; ip < mPanels; ip++)
        {
            int i0 = ip * MR, rows = Math.Min(MR, mc - i0);
            int dst = ip * kc * MR;
            for (int p = 0; p < kc; p++, dst += MR)
            {
                int src = at + i0 * rs + p * cs;
                int i = 0;
                for (; i < rows; i++) ap[dst + i] = a[src + i * rs];
                for (; i < MR; i++) ap[dst + i] = T.Zero;
            }
        }
    }

    /// <summary>C[6 x 2W] (+)= Apanel[6 x kc] * Bpanel[kc x 2W], C rows ldc apart and contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro512(int kc, ref T a, ref T b, ref T c, int ldc, bool accumulate)
    {
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int w = Vector512<T>.Count, nr = 2 * w;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref b);
            var b1 = Vector512.LoadUnsafe(ref b, (nuint)w);
            var a0 = Vector512.Create(a);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector512.Create(Unsafe.Add(ref a, 1));
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector512.Create(Unsafe.Add(ref a, 2));
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector512.Create(Unsafe.Add(ref a, 3));
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector512.Create(Unsafe.Add(ref a, 4));
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector512.Create(Unsafe.Add(ref a, 5));
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, nr);
        }
        Put(ref c, 0, w, c00, c01, accumulate);
        Put(ref c, ldc, w, c10, c11, accumulate);
        Put(ref c, 2 * ldc, w, c20, c21, accumulate);
        Put(ref c, 3 * ldc, w, c30, c31, accumulate);
        Put(ref c, 4 * ldc, w, c40, c41, accumulate);
        Put(ref c, 5 * ldc, w, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ref T c, int row, int w, Vector512<T> v0, Vector512<T> v1, bool accumulate)
    {
        ref T r = ref Unsafe.Add(ref c, row);
        if (accumulate)
        {
            v0 += Vector512.LoadUnsafe(ref r);
            v1 += Vector512.LoadUnsafe(ref r, (nuint)w);
        }
        v0.StoreUnsafe(ref r);
        v1.StoreUnsafe(ref r, (nuint)w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }

    /// <summary>C[6 x 2W] (+)= Apanel[6 x kc] * Bpanel[kc x 2W], C rows ldc apart and contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro256(int kc, ref T a, ref T b, ref T c, int ldc, bool accumulate)
    {
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int w = Vector256<T>.Count, nr = 2 * w;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, (nuint)w);
            var a0 = Vector256.Create(a);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, nr);
        }
        Put(ref c, 0, w, c00, c01, accumulate);
        Put(ref c, ldc, w, c10, c11, accumulate);
        Put(ref c, 2 * ldc, w, c20, c21, accumulate);
        Put(ref c, 3 * ldc, w, c30, c31, accumulate);
        Put(ref c, 4 * ldc, w, c40, c41, accumulate);
        Put(ref c, 5 * ldc, w, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ref T c, int row, int w, Vector256<T> v0, Vector256<T> v1, bool accumulate)
    {
        ref T r = ref Unsafe.Add(ref c, row);
        if (accumulate)
        {
            v0 += Vector256.LoadUnsafe(ref r);
            v1 += Vector256.LoadUnsafe(ref r, (nuint)w);
        }
        v0.StoreUnsafe(ref r);
        v1.StoreUnsafe(ref r, (nuint)w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }
}
