using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Runs control-flow kernels: each sub-graph, already lowered by the pipeline, is compiled once when the enclosing
/// program is; a call drives the loop or picks the branch on the host and runs the compiled sub-graphs.
/// </summary>
internal static class HostCalls
{
    public static Action<Array[]> Compile(HostKernel kernel, IReadOnlyList<BufferInfo> bufferInfo, LoweredProgram program, CpuBackend backend)
    {
        var eq = kernel.Equation;
        if (kernel.Results is not { } results) return static _ => { };   // written by the construct's first kernel
        var def = eq.Attrs.Control ?? throw new NotSupportedException($"cpu: {eq.Op.Name()} has no definition");
        var compiled = new Dictionary<Graph, CpuExecutable>(ReferenceEqualityComparer.Instance);
        foreach (var g in def.SubGraphs()) compiled[g] = backend.Compile(program.Body(g));
        int[] inputs = kernel.Inputs;
        var lengths = Array.ConvertAll(inputs, b => bufferInfo[b].Length);
        return buffers =>
        {
            var args = new Array[inputs.Length];
            for (int i = 0; i < args.Length; i++)
            {
                // A temporary may live in a larger shared slot: sub-graphs take arrays of exactly their length.
                var b = buffers[inputs[i]];
                args[i] = b.Length == lengths[i] ? b : Prefix(b, lengths[i]);
            }
            var values = def.Run(args, (g, a) => compiled[g].Run(a));
            foreach (var (index, buffer) in results) Array.Copy(values[index], buffers[buffer], values[index].Length);
        };
    }

    private static Array Prefix(Array a, int length)
    {
        var result = Array.CreateInstance(a.GetType().GetElementType()!, length);
        Array.Copy(a, result, length);
        return result;
    }
}
