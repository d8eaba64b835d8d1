using System.Text;

namespace Tracer.Compiler.Lowering;

/// <summary>
/// What a buffer of a <see cref="KernelProgram"/> holds, which decides who allocates it and whether kernels may write
/// it.
/// </summary>
public enum BufferKind
{
    /// <summary>A graph input, passed in by the caller; never written.</summary>
    Input,

    /// <summary>A graph output, allocated per call and returned.</summary>
    Output,

    /// <summary>An intermediate, allocated per call (or reused) and dropped afterwards.</summary>
    Temporary,

    /// <summary>Host data baked into the program (a graph constant); never written.</summary>
    Constant,
}

/// <summary>
/// A flat, row-major buffer of <see cref="Length"/> elements. <see cref="Index"/> is the input or output position for
/// inputs and outputs; <see cref="Data"/> holds a constant's values.
/// </summary>
public sealed record BufferInfo(int Id, BufferKind Kind, DType DType, int Length, int Index = -1, Array? Data = null)
{
    /// <summary>The buffer in one line, e.g. <c>b3: f32[1024] temp</c>.</summary>
    public override string ToString()
    {
        string what = Kind switch
        {
            BufferKind.Input => $"input {Index}",
            BufferKind.Output => $"output {Index}",
            BufferKind.Constant => "constant",
            _ => "temp",
        };
        return $"b{Id}: {DType.ShortName()}[{Length}] {what}";
    }
}

/// <summary>
/// A graph lowered to buffers and an ordered list of kernels: the backend-neutral form every code generator
/// (CPU expression trees, CUDA via ILGPU) consumes. Printable.
/// </summary>
public sealed class KernelProgram(BufferInfo[] buffers, Kernel[] kernels, int[] inputs, int[] outputs, TensorType[] outputTypes)
{
    /// <summary>
    /// Every buffer of the program, indexed by buffer id (kernels and maps refer to buffers by that id).
    /// </summary>
    public IReadOnlyList<BufferInfo> Buffers { get; } = buffers;

    /// <summary>
    /// The kernels in execution order; each writes one buffer and reads only buffers written before it (or inputs and
    /// constants).
    /// </summary>
    public IReadOnlyList<Kernel> Kernels { get; } = kernels;

    /// <summary>Buffer of each graph input, in order.</summary>
    public IReadOnlyList<int> Inputs { get; } = inputs;

    /// <summary>Buffer of each graph output, in order (distinct output buffers).</summary>
    public IReadOnlyList<int> Outputs { get; } = outputs;

    /// <summary>
    /// The shape and dtype of each graph output, in order (one per graph output, even when outputs share a buffer).
    /// </summary>
    public IReadOnlyList<TensorType> OutputTypes { get; } = outputTypes;

    /// <summary>
    /// The buffers then the kernels, one per line, each kernel followed by the graph nodes it computes.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder("kernel program\n");
        foreach (var b in Buffers) sb.Append("  ").Append(b).Append('\n');
        for (int i = 0; i < Kernels.Count; i++)
        {
            sb.Append("  k").Append(i).Append(": ").Append(Kernels[i]);
            if (Kernels[i].Label.Length > 0) sb.Append("    // ").Append(Kernels[i].Label);
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
