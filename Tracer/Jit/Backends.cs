using Tracer.Compiler;
using Tracer.Runtime.Cpu;

namespace Tracer;

/// <summary>The code generators the front end compiles with.</summary>
internal static class Backends
{
    /// <summary>The embedded default: kernels compiled to native CPU code with FastExpressionCompiler.</summary>
    public static IBackend Cpu { get; } = new CpuBackend();
}
