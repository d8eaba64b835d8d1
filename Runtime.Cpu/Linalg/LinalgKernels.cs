using System.Numerics;
using System.Runtime.Intrinsics;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Runs <see cref="HostOpKernel"/>s: the linear-algebra primitives on whole contiguous buffers, one matrix of the
/// batch after another, in the buffers' own precision. Buffers may be longer than the values they hold (temporaries
/// share slots), so every size comes from the equation's types.
/// </summary>
internal static class LinalgKernels
{
    public static Action<Array[]> Compile(HostOpKernel kernel, VectorIsa isa, int threads)
    {
        if (kernel.Results is not { } results) return static _ => { };   // written by the decomposition's first kernel
        bool wide = isa == VectorIsa.V512 && Vector512.IsHardwareAccelerated;
        return kernel.Equation.DType == DType.Float32
            ? new LinalgRunner<float>(kernel.Equation, kernel.Inputs, results, wide, threads).Run
            : new LinalgRunner<double>(kernel.Equation, kernel.Inputs, results, wide, threads).Run;
    }
}

/// <summary>One compiled linear-algebra kernel: its scratch lives with it, so a call allocates nothing but scratch growth.</summary>
internal sealed class LinalgRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Node eq;
    private readonly int[] inputs;
    private readonly (int Index, int Buffer)[] results;
    private readonly Factorizations<T> f;
    private readonly Decompositions<T> d = new();
    private readonly object gate = new();

    public LinalgRunner(Node eq, int[] inputs, (int Index, int Buffer)[] results, bool wide, int threads)
    {
        this.eq = eq;
        this.inputs = inputs;
        this.results = results;
        f = new Factorizations<T>(new BlockUpdate<T>(wide, threads));
    }

    /// <summary>Where result <paramref name="index"/> goes, or null when it is not live.</summary>
    private T[]? Out(Array[] buffers, int index)
    {
        foreach (var (i, b) in results)
        {
            if (i == index) return (T[])buffers[b];
        }
        return null;
    }

    public void Run(Array[] buffers)
    {
        // Scratch is per runner; concurrent calls of one executable take turns.
        lock (gate) RunLocked(buffers);
    }

    private void RunLocked(Array[] buffers)
    {
        var a = (T[])buffers[inputs[0]];
        var shape = eq.Inputs[0].Shape;
        int rows = shape[^2], cols = shape[^1], count = 1;
        for (int i = 0; i < shape.Rank - 2; i++) count *= shape[i];
        int size = rows * cols;
        switch (eq.Op)
        {
            case OpCode.Cholesky:
            {
                var l = Out(buffers, 0)!;
                for (int m = 0; m < count; m++)
                {
                    SymmetricPartLower(a, l, m * size, rows);
                    f.Cholesky(l, m * size, rows);
                }
                break;
            }
            case OpCode.TriangularSolve:
            {
                var b = (T[])buffers[inputs[1]];
                var x = Out(buffers, 0)!;
                int k = eq.Shape[^1];
                Array.Copy(b, x, count * rows * k);
                for (int m = 0; m < count; m++) f.TriangularSolve(a, m * size, rows, x, m * rows * k, k, eq.Attrs.Lower, eq.Attrs.TransposeA);
                break;
            }
            case OpCode.Solve:
            {
                var b = (T[])buffers[inputs[1]];
                var x = Out(buffers, 0)!;
                int k = eq.Shape[^1];
                var (lu, perm) = (Scratch(size), Perm(rows));
                for (int m = 0; m < count; m++) f.Solve(a, m * size, rows, b, m * rows * k, k, x, m * rows * k, lu, perm);
                break;
            }
            case OpCode.SlogDet:
                SlogDet(a, count, rows, Out(buffers, 0), Out(buffers, 1));
                break;
            case OpCode.Eigh:
            {
                var (w, v) = (Out(buffers, 0), Out(buffers, 1));
                var (vs, ws) = (v ?? Scratch(size), w ?? new T[rows]);
                for (int m = 0; m < count; m++)
                    d.Eigh(a, m * size, rows, ws, w is null ? 0 : m * rows, vs, v is null ? 0 : m * size);
                break;
            }
            case OpCode.Qr:
            {
                int k = Math.Min(rows, cols);
                var (q, r) = (Out(buffers, 0), Out(buffers, 1));
                var (qs, rs) = (q ?? new T[rows * k], r ?? new T[k * cols]);
                for (int m = 0; m < count; m++)
                    d.Qr(a, m * size, rows, cols, qs, q is null ? 0 : m * rows * k, rs, r is null ? 0 : m * k * cols);
                break;
            }
            case OpCode.Svd:
            {
                int k = Math.Min(rows, cols);
                var (u, s, vh) = (Out(buffers, 0), Out(buffers, 1), Out(buffers, 2));
                var (us, ss, vhs) = (u ?? new T[rows * k], s ?? new T[k], vh ?? new T[k * cols]);
                for (int m = 0; m < count; m++)
                    d.Svd(a, m * size, rows, cols, us, u is null ? 0 : m * rows * k, ss, s is null ? 0 : m * k, vhs, vh is null ? 0 : m * k * cols);
                break;
            }
            default:
                throw new NotSupportedException($"cpu: {eq.Op.Name()} is not a linear-algebra primitive");
        }
    }

    /// <summary>
    /// The lower triangle of (a + a^T) / 2 into l, in 32 x 32 tiles so the transposed reads stay in cache (a column
    /// walk over a large matrix would touch a new cache line per element).
    /// </summary>
    private static void SymmetricPartLower(T[] a, T[] l, int o, int n)
    {
        const int tile = 32;
        T half = T.CreateTruncating(0.5);
        for (int i0 = 0; i0 < n; i0 += tile)
        {
            int i1 = Math.Min(n, i0 + tile);
            for (int j0 = 0; j0 <= i0; j0 += tile)
            {
                int j1 = Math.Min(n, j0 + tile);
                for (int i = i0; i < i1; i++)
                {
                    int jEnd = Math.Min(j1, i + 1);
                    for (int j = j0; j < jEnd; j++) l[o + i * n + j] = (a[o + i * n + j] + a[o + j * n + i]) * half;
                }
            }
        }
    }

    private void SlogDet(T[] a, int count, int n, T[]? sign, T[]? log)
    {
        var (lu, perm) = (Scratch(n * n), Perm(n));
        for (int m = 0; m < count; m++)
        {
            Array.Copy(a, m * n * n, lu, 0, n * n);
            T sg = T.CreateTruncating(f.Lu(lu, 0, n, perm)), lg = T.Zero;
            for (int i = 0; i < n; i++)
            {
                T p = lu[i * n + i];
                if (T.IsNaN(p)) (sg, lg) = (T.NaN, T.NaN);
                else if (p == T.Zero && !T.IsNaN(sg)) (sg, lg) = (T.Zero, T.NegativeInfinity);
                if (T.IsNaN(sg) || sg == T.Zero) break;
                if (p < T.Zero) sg = -sg;
                lg += T.Log(T.Abs(p));
            }
            if (sign is not null) sign[m] = sg;
            if (log is not null) log[m] = lg;
        }
    }

    private T[] scratch = [];
    private int[] perm = [];

    private T[] Scratch(int n) => scratch.Length >= n ? scratch : scratch = new T[n];

    private int[] Perm(int n) => perm.Length >= n ? perm : perm = new int[n];
}
