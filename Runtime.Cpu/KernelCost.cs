using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// A rough estimate of how long a kernel takes on one thread, for deciding whether splitting it across threads pays
/// (<see cref="KernelThreads.Pays"/>). It only has to be right to within a factor of two or so: a split pays when
/// the kernel runs several times longer than waking a worker, and the estimate is compared against that.
/// Per element a loop costs its memory traffic (bytes read and written, streamed at about 10 GB/s by one core) plus
/// its arithmetic per vector: a cheap op (add, compare, select) is about a third of a nanosecond per vector, a
/// division or square root about four times that, a transcendental function (exp, tanh, sin...) a polynomial of
/// some twenty operations. A matrix product costs its multiply-adds at about 80 GFLOP/s per core.
/// </summary>
internal static class KernelCost
{
    private const double NanosecondsPerByte = 0.1;
    private const double CheapOpPerVector = 0.3;
    private const double DivisionPerVector = 1.2;
    private const double TranscendentalPerVector = 5;
    private const double NanosecondsPerFlop = 1.0 / 80;

    /// <summary>Nanoseconds one thread needs for the whole loop kernel with vectors of <paramref name="isa"/>.</summary>
    public static double Loop(LoopKernel k, VectorIsa isa)
    {
        long elements = 1;
        foreach (int d in k.Domain) elements *= d;
        int vectorBytes = isa switch { VectorIsa.V512 => 64, VectorIsa.V256 => 32, _ => 0 };
        int size = Bytes(k.Body.DType);
        double lanes = vectorBytes == 0 ? 1 : Math.Max(1, vectorBytes / Math.Max(1, size));
        var seen = new HashSet<ScalarExpr>(ScalarExprIdentity.Instance);
        var loaded = new HashSet<int>();
        double bytes = size, opsPerVector = 0;   // the store, then what the body reads and computes
        Walk(k.Body, seen, loaded, ref bytes, ref opsPerVector);
        return elements * (bytes * NanosecondsPerByte + opsPerVector / lanes);
    }

    /// <summary>Nanoseconds one thread needs for an m x k by k x n product (per batch element).</summary>
    public static double MatMul(long m, long n, long k) => 2.0 * m * n * k * NanosecondsPerFlop;

    private static void Walk(ScalarExpr e, HashSet<ScalarExpr> seen, HashSet<int> loaded, ref double bytes, ref double ops)
    {
        // A subexpression shared by several parents is computed once by the generated code.
        if (!seen.Add(e)) return;
        switch (e)
        {
            case LoadExpr load:
                if (loaded.Add(load.Buffer)) bytes += Bytes(load.DType);
                foreach (var d in load.Dynamic) Walk(d.Index, seen, loaded, ref bytes, ref ops);
                break;
            case OpExpr op:
                ops += Weight(op.Op);
                foreach (var a in op.Args) Walk(a, seen, loaded, ref bytes, ref ops);
                break;
        }
    }

    private static int Bytes(DType dtype) => dtype switch { DType.Float64 => 8, DType.Bool => 1, _ => 4 };

    private static double Weight(OpCode op) => op switch
    {
        OpCode.Neg or OpCode.Abs or OpCode.Sign or OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Max or OpCode.Min
            or OpCode.Eq or OpCode.Ne or OpCode.Lt or OpCode.Le or OpCode.Gt or OpCode.Ge or OpCode.Select or OpCode.Cast
            or OpCode.Floor or OpCode.Ceil or OpCode.Round or OpCode.Trunc or OpCode.BitwiseAnd or OpCode.BitwiseOr
            or OpCode.BitwiseXor or OpCode.BitwiseNot or OpCode.ShiftLeft or OpCode.ShiftRightLogical => CheapOpPerVector,
        OpCode.Div or OpCode.Sqrt or OpCode.Rsqrt or OpCode.Mod => DivisionPerVector,
        _ => TranscendentalPerVector,
    };
}
