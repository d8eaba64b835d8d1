using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// An elementwise update fused into the matrix product before it: the loop kernel right after a product computes
/// <c>out = Alpha * (A @ B) + Beta * D</c> (an SGD step <c>w - lr * grad</c>, a residual <c>x + A @ B</c>, a scaled
/// product), so the GEMM stores that into <c>out</c> while each C tile is still in L1, instead of writing the product to
/// a temporary that the loop then streams back from memory with D: for W3's weight update the 1.6 MB temporary is
/// neither written nor read back. In time it is about even with the separate loop on the Zen 4 machine we measured
/// (that loop streams at full bandwidth; the GEMM reads D tile by tile, prefetched while each tile's k loop runs), so
/// what it saves is memory traffic, which matters more when both cores stream. <see cref="Addend"/> is -1 when there
/// is no D.
/// </summary>
internal sealed record GemmEpilogue(int Output, int Addend, double Alpha, double Beta)
{
    /// <summary>
    /// What a fused update kernel's code shows in <see cref="CpuExecutable.Describe"/> (the kernel itself runs
    /// nothing: the product before it wrote its output).
    /// </summary>
    public static void FusedIntoGemm()
    {
    }

    /// <summary>
    /// The epilogue when kernel <paramref name="i"/> is a product whose result only kernel i + 1 reads, and that kernel
    /// is such an update writing a graph output of the product's shape in the same row-major order; else null. The
    /// output must be a graph output: it has no storage shared with temporaries, so writing it one kernel early
    /// cannot clobber anything the product reads.
    /// </summary>
    public static GemmEpilogue? Match(KernelProgram p, int i)
    {
        if (i + 1 >= p.Kernels.Count || p.Kernels[i] is not MatMulKernel mm || p.Kernels[i + 1] is not LoopKernel loop) return null;
        foreach (int d in mm.Batch)
        {
            if (d != 1) return null;
        }
        var c = mm.C;
        int t = c.Buffer, o = loop.OutputBuffer;
        if (p.Buffers[t].Kind != BufferKind.Temporary || c.Offset != 0 || c.RowStride != mm.N || c.ColStride != 1) return null;
        if (loop.Mode != WriteMode.Store || loop.ReduceOp != null || loop.OutDynamic.Length != 0) return null;
        if (p.Buffers[o].Kind != BufferKind.Output || o == mm.A.Buffer || o == mm.B.Buffer || loop.Body.DType != mm.DType) return null;
        long points = 1;
        foreach (int d in loop.Domain) points *= d;
        if (points != (long)mm.M * mm.N || !loop.OutMap.Equals(IndexMap.Contiguous(new Shape(loop.Domain)))) return null;
        for (int k = 0; k < p.Kernels.Count; k++)
        {
            if (k == i + 1) continue;
            if (k != i && p.Kernels[k].Output == t) return null;
            foreach (int r in p.Kernels[k].Reads())
            {
                if (r == t) return null;
            }
        }
        if (!Update(loop.Body, t, loop.OutMap, out double alpha, out int addend, out double beta)) return null;
        if (addend == o) return null;
        return new GemmEpilogue(o, addend, alpha, beta);
    }

    /// <summary>body = alpha * T (+ or -) D, D and T read at the output's own index.</summary>
    private static bool Update(ScalarExpr body, int t, IndexMap map, out double alpha, out int addend, out double beta)
    {
        addend = -1;
        beta = 0;
        if (Scaled(body, t, map, out alpha)) return true;
        if (body is not OpExpr { Op: OpCode.Add or OpCode.Sub, Args: [var x, var y] } op) return false;
        double sign = op.Op == OpCode.Sub ? -1 : 1;
        if (Scaled(y, t, map, out alpha) && Plain(x, t, map, out addend))
        {
            alpha *= sign;
            beta = 1;
            return true;
        }
        if (Scaled(x, t, map, out alpha) && Plain(y, t, map, out addend))
        {
            beta = sign;
            return true;
        }
        return false;
    }

    /// <summary>
    /// T, c * T, T * c, and negations of these, as alpha. One multiplication at most: alpha * T then rounds exactly as
    /// the loop would (a negation is exact), where (c1 * c2) * T would not round as c1 * (c2 * T).
    /// </summary>
    private static bool Scaled(ScalarExpr e, int t, IndexMap map, out double alpha, bool multiplied = false)
    {
        alpha = 1;
        switch (e)
        {
            case LoadExpr load when load.Buffer == t && load.IsStrided && load.Map.Equals(map):
                return true;
            case OpExpr { Op: OpCode.Neg, Args: [var x] } when Scaled(x, t, map, out alpha, multiplied):
                alpha = -alpha;
                return true;
            case OpExpr { Op: OpCode.Mul, Args: [ConstExpr k, var x] } when !multiplied && Scaled(x, t, map, out alpha, true):
                alpha *= k.Value;
                return true;
            case OpExpr { Op: OpCode.Mul, Args: [var x, ConstExpr k] } when !multiplied && Scaled(x, t, map, out alpha, true):
                alpha *= k.Value;
                return true;
            default:
                return false;
        }
    }

    /// <summary>A plain read of another buffer at the output's index.</summary>
    private static bool Plain(ScalarExpr e, int t, IndexMap map, out int buffer)
    {
        buffer = e is LoadExpr load && load.Buffer != t && load.IsStrided && load.Map.Equals(map) ? load.Buffer : -1;
        return buffer >= 0;
    }
}
