using Tracer.Compiler;

namespace Tracer;

/// <summary>The code generators the front end compiles with.</summary>
internal static class Backends
{
    /// <summary>The embedded default: compiled CPU code.</summary>
    public static IBackend Cpu { get; } = new Interpreter(Dispatch.Rules);
}
