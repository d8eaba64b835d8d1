using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// The trailing updates of the blocked factorisations, C -= A B on strided views, through the blocked GEMM: it
/// computes A B into a scratch block, which is then subtracted (a pass over C that costs O(m n) next to the
/// O(m n k) product). Without hardware FMA vectors it falls back to a plain triple loop.
/// </summary>
internal sealed class BlockUpdate<T>(bool wide, int threads) where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly DType Type = typeof(T) == typeof(float) ? DType.Float32 : DType.Float64;
    private readonly bool fast = Vector256.IsHardwareAccelerated && Fma.IsSupported;
    private T[] scratch = [];

    /// <summary>C[m x n] (rows crs apart, contiguous columns) -= A[m x k] @ B[k x n], operands given by strides.</summary>
    public void SubtractProduct(T[] a, int ao, int ars, int acs, T[] b, int bo, int brs, int bcs, T[] c, int co, int crs,
        int m, int n, int k)
    {
        if (m == 0 || n == 0 || k == 0) return;
        if (!fast)
        {
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                {
                    T aip = a[ao + i * ars + p * acs];
                    for (int j = 0; j < n; j++) c[co + i * crs + j] -= aip * b[bo + p * brs + j * bcs];
                }
            return;
        }
        if (scratch.Length < m * n) scratch = new T[Math.Max(m * n, scratch.Length * 2)];
        var kernel = new MatMulKernel([], m, n, k, new MatrixRef(0, ao, [], ars, acs), new MatrixRef(1, bo, [], brs, bcs),
            new MatrixRef(2, 0, [], n, 1), Type);
        new Gemm<T>(kernel, wide, threads).Run([a, b, scratch]);
        var s = scratch;
        for (int i = 0; i < m; i++)
        {
            var row = c.AsSpan(co + i * crs, n);
            var sub = s.AsSpan(i * n, n);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j + Vector<T>.Count <= n; j += Vector<T>.Count)
                    (new Vector<T>(row[j..]) - new Vector<T>(sub[j..])).CopyTo(row[j..]);
            }
            for (; j < n; j++) row[j] -= sub[j];
        }
    }
}
