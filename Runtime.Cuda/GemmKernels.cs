using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Tracer.Runtime.Cuda;

/// <summary>Sizes and strides of one (batched) matrix product; per-matrix offsets come from a device table.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct GemmShape(int M, int N, int K, int ARow, int ACol, int BRow, int BCol, int CRow, int CCol);

/// <summary>
/// Our own tiled matrix-product kernels (explicitly grouped, shared memory), written once in C# and compiled by
/// ILGPU like the generated ones. f32: a 64 x 64 block tile per group of 16 x 16 threads, each thread accumulating a
/// 4 x 4 register tile over K in slices of 16 staged through shared memory (every loaded element is reused 64
/// times from shared memory and 4 times from registers). f64: the classic 16 x 16 tile, one output per thread.
/// The side T of the group is read at run time (16 on a GPU; 4 on the emulator, whose simulated threads are OS
/// threads and whose groups hold at most 16), and the tiles scale with it.
/// Operands are strided views (transposes and broadcasts need no copy); grid z runs over the batch, whose matrix
/// offsets (A, B, C per batch element) are in <c>offsets</c>.
/// </summary>
public static class GemmKernels
{
    /// <summary>The largest group side (shared memory is sized for it).</summary>
    public const int MaxThreads = 16;

    private const int MaxBlock = 4 * MaxThreads;

    private const int Slice = 16;

    /// <summary>The launch of the f32 kernel for one product of <paramref name="s"/> over <paramref name="batch"/> matrices.</summary>
    public static KernelConfig ConfigF32(GemmShape s, int batch, int threads) =>
        new(new Index3D((s.N + 4 * threads - 1) / (4 * threads), (s.M + 4 * threads - 1) / (4 * threads), batch), new Index3D(threads, threads, 1));

    /// <summary>The launch of the f64 kernel.</summary>
    public static KernelConfig ConfigF64(GemmShape s, int batch, int threads) =>
        new(new Index3D((s.N + threads - 1) / threads, (s.M + threads - 1) / threads, batch), new Index3D(threads, threads, 1));

    /// <summary>C = A @ B in f32 with 4 x 4 register tiles.</summary>
    public static void GemmF32(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> offsets, GemmShape s)
    {
        var tileA = SharedMemory.Allocate<float>(Slice * MaxBlock);   // [k][row]
        var tileB = SharedMemory.Allocate<float>(Slice * MaxBlock);   // [k][col]
        int threads = Group.DimX, block = 4 * threads, loads = Slice * block / (threads * threads);
        int tx = Group.IdxX, ty = Group.IdxY, tid = ty * threads + tx;
        int row0 = Grid.IdxY * block, col0 = Grid.IdxX * block, z = Grid.IdxZ;
        int ao = offsets[3 * z], bo = offsets[3 * z + 1], co = offsets[3 * z + 2];
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = 0; k0 < s.K; k0 += Slice)
        {
            // The group stages 16 x block elements of each operand (4 per thread on a GPU), consecutive threads on
            // consecutive rows/columns.
            for (int l = 0; l < loads; l++)
            {
                int e = tid + l * threads * threads;
                int kk = e / block, mm = e % block;
                int r = row0 + mm, k = k0 + kk, col = col0 + mm;
                tileA[kk * block + mm] = r < s.M && k < s.K ? a[ao + r * s.ARow + k * s.ACol] : 0f;
                tileB[kk * block + mm] = k < s.K && col < s.N ? b[bo + k * s.BRow + col * s.BCol] : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < Slice; kk++)
            {
                int ab = kk * block + ty * 4, bb = kk * block + tx * 4;
                float a0 = tileA[ab], a1 = tileA[ab + 1], a2 = tileA[ab + 2], a3 = tileA[ab + 3];
                float b0 = tileB[bb], b1 = tileB[bb + 1], b2 = tileB[bb + 2], b3 = tileB[bb + 3];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        int row = row0 + ty * 4, col0t = col0 + tx * 4;
        StoreRow(c, co, s, row, col0t, c00, c01, c02, c03);
        StoreRow(c, co, s, row + 1, col0t, c10, c11, c12, c13);
        StoreRow(c, co, s, row + 2, col0t, c20, c21, c22, c23);
        StoreRow(c, co, s, row + 3, col0t, c30, c31, c32, c33);
    }

    private static void StoreRow(ArrayView<float> c, int co, GemmShape s, int row, int col, float v0, float v1, float v2, float v3)
    {
        if (row >= s.M) return;
        int at = co + row * s.CRow;
        if (col < s.N) c[at + col * s.CCol] = v0;
        if (col + 1 < s.N) c[at + (col + 1) * s.CCol] = v1;
        if (col + 2 < s.N) c[at + (col + 2) * s.CCol] = v2;
        if (col + 3 < s.N) c[at + (col + 3) * s.CCol] = v3;
    }

    /// <summary>C = A @ B in f64, one output element per thread, 16 x 16 tiles through shared memory.</summary>
    public static void GemmF64(ArrayView<double> a, ArrayView<double> b, ArrayView<double> c, ArrayView<int> offsets, GemmShape s)
    {
        var tileA = SharedMemory.Allocate<double>(MaxThreads * MaxThreads);
        var tileB = SharedMemory.Allocate<double>(MaxThreads * MaxThreads);
        int t = Group.DimX, tx = Group.IdxX, ty = Group.IdxY;
        int row = Grid.IdxY * t + ty, col = Grid.IdxX * t + tx, z = Grid.IdxZ;
        int ao = offsets[3 * z], bo = offsets[3 * z + 1], co = offsets[3 * z + 2];
        double acc = 0;
        for (int k0 = 0; k0 < s.K; k0 += t)
        {
            tileA[ty * t + tx] = row < s.M && k0 + tx < s.K ? a[ao + row * s.ARow + (k0 + tx) * s.ACol] : 0.0;
            tileB[ty * t + tx] = k0 + ty < s.K && col < s.N ? b[bo + (k0 + ty) * s.BRow + col * s.BCol] : 0.0;
            Group.Barrier();
            for (int k = 0; k < t; k++) acc += tileA[ty * t + k] * tileB[k * t + tx];
            Group.Barrier();
        }
        if (row < s.M && col < s.N) c[co + row * s.CRow + col * s.CCol] = acc;
    }
}
