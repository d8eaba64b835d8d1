using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Runs the cumsum and argsort <see cref="HostOpKernel"/>s (ops-shape family) on whole contiguous buffers. Buffers
/// may be longer than the values they hold (temporaries share slots), so every size comes from the equation's type.
/// </summary>
internal static class SequenceKernels
{
    /// <summary>
    /// The host code of any <see cref="HostOpKernel"/>: cumsum and argsort here, the linear-algebra primitives in
    /// <see cref="LinalgKernels"/>. Every backend that runs host-op kernels on the host goes through this one switch.
    /// </summary>
    public static Action<Array[]> CompileHostOp(HostOpKernel kernel, VectorIsa isa, int threads) =>
        kernel.Equation.Op is OpCode.CumSum or OpCode.ArgSort
            ? Compile(kernel, threads)
            : LinalgKernels.Compile(kernel, isa, threads);

    public static Action<Array[]> Compile(HostOpKernel kernel, int threads)
    {
        var eq = kernel.Equation;
        int input = kernel.Inputs[0];
        int output = kernel.Results![0].Buffer;
        var shape = eq.Inputs[0].Shape;
        int axis = eq.Attrs.Axis, outer = 1, inner = 1, n = shape[axis];
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Rank; i++) inner *= shape[i];
        var lines = new Lines(outer, n, inner, eq.Attrs.Reverse, threads);
        if (eq.Op == OpCode.ArgSort)
        {
            return eq.Inputs[0].DType switch
            {
                DType.Float32 => b => Sorting.ArgSort((float[])b[input], (int[])b[output], lines),
                DType.Float64 => b => Sorting.ArgSort((double[])b[input], (int[])b[output], lines),
                DType.Int32 => b => Sorting.ArgSort((int[])b[input], (int[])b[output], lines),
                var t => throw new NotSupportedException($"cpu: argsort of {t.ShortName()} is not supported"),
            };
        }
        return eq.DType switch
        {
            DType.Float32 => b => PrefixSums.Run((float[])b[input], (float[])b[output], lines),
            DType.Float64 => b => PrefixSums.Run((double[])b[input], (double[])b[output], lines),
            DType.Int32 => b => PrefixSums.Run((int[])b[input], (int[])b[output], lines),
            var t => throw new NotSupportedException($"cpu: cumsum of {t.ShortName()} is not supported"),
        };
    }
}

/// <summary>
/// A tensor seen as [Outer, N, Inner] around the scanned or sorted axis: Outer * Inner lines of N elements, element k
/// of line (o, i) at (o * N + k) * Inner + i. <see cref="Reverse"/> is cumsum's direction or argsort's descending.
/// </summary>
internal readonly record struct Lines(int Outer, int N, int Inner, bool Reverse, int Threads)
{
    public long Size => (long)Outer * N * Inner;

    /// <summary>How many threads are worth it for <paramref name="work"/> elements (about 64k elements each).</summary>
    public int ThreadsFor(long work) => (int)Math.Clamp(work / 65536, 1, Math.Max(1, Threads));
}
