using Tracer.Compiler;
using Tracer.Rules;
using Tracer.Runtime.Cpu;

namespace Tracer.Tests;

/// <summary>The backend half of the harness: the CPU backend (FEC, cross-checked against Expression.Compile on request).</summary>
internal static partial class Harness
{
    public static readonly CpuBackend Fast = new();

    public static readonly CpuBackend System = new(new CpuBackendOptions { Compiler = CpuCompiler.System });

    /// <summary>Every loop kernel in the kernel interpreter.</summary>
    public static readonly CpuBackend Interpreted = new(new CpuBackendOptions { Compiler = CpuCompiler.Interpreted, Vectors = VectorIsa.None });

    /// <summary>Generated scalar code only (no vector loops): what the interpreter must equal bit for bit.</summary>
    public static readonly CpuBackend Scalar = new(new CpuBackendOptions { Vectors = VectorIsa.None });

    /// <summary>
    /// TRACER_CPU_CROSSCHECK=1 compares every case with <c>Expression.Compile()</c> too (slower; run it after
    /// upgrading FastExpressionCompiler). By default only the cases that ask for it are cross-checked.
    /// </summary>
    private static readonly bool CrossCheckEverything = Environment.GetEnvironmentVariable("TRACER_CPU_CROSSCHECK") == "1";

    /// <summary>
    /// Compiles <paramref name="g"/> with the CPU backend (FEC must not have declined any kernel; small kernels of large
    /// programs may run in the kernel interpreter).
    /// </summary>
    public static CpuExecutable CompileFast(Graph g)
    {
        var exe = (CpuExecutable)Fast.Compile(g);
        for (int i = 0; i < exe.CompiledBy.Count; i++)
        {
            if (exe.CompiledBy[i] == CpuCompiler.System)
                Assert.Fail($"FastExpressionCompiler declined kernel {i}:\n{exe.Describe()}");
        }
        return exe;
    }

    /// <summary>Runs <paramref name="g"/> on both backends and compares; also against <c>Compile()</c> when asked.</summary>
    public static void Check(Graph g, Array[] inputs, string what, bool crossCheckSystem = false)
    {
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        var exe = CompileFast(g);
        var actual = exe.Run(inputs);
        Compare(expected, actual, what, exe);
        // The kernel interpreter runs the generated code's own scalar functions: equal to scalar code bit for bit.
        var interpreted = (CpuExecutable)Interpreted.Compile(g);
        Compare(Scalar.Compile(g).Run(inputs), interpreted.Run(inputs), what + " (interpreted vs scalar code)", interpreted, exact: true);
        if (crossCheckSystem || CrossCheckEverything)
        {
            var bySystem = System.Compile(g).Run(inputs);
            Compare(actual, bySystem, what + " (FEC vs Expression.Compile)", exe, exact: true);
        }
    }

    private static partial string ProgramText(object exe) => exe is CpuExecutable c ? c.Program.ToString() : exe.ToString() ?? "";
}
