using System.Text;

namespace Tracer.Compiler.Lowering;

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
    public IReadOnlyList<BufferInfo> Buffers { get; } = buffers;

    public IReadOnlyList<Kernel> Kernels { get; } = kernels;

    /// <summary>Buffer of each graph input, in order.</summary>
    public IReadOnlyList<int> Inputs { get; } = inputs;

    /// <summary>Buffer of each graph output, in order (distinct output buffers).</summary>
    public IReadOnlyList<int> Outputs { get; } = outputs;

    public IReadOnlyList<TensorType> OutputTypes { get; } = outputTypes;

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
