using System.Diagnostics;
using Tracer.Compiler.Lowering;

namespace Tracer.Compiler;

/// <summary>Options of one run of the <see cref="Pipeline"/>: where it compiles to and what it checks or writes.</summary>
public sealed record PipelineOptions
{
    /// <summary>Options that compile for <paramref name="backend"/> with default lowering, no verification and no dumps.</summary>
    /// <param name="backend">The backend that generates code (and whose device the program runs on).</param>
    public PipelineOptions(IBackend backend) => Backend = backend;

    /// <summary>The code generator (and so the device) the program is compiled for.</summary>
    public IBackend Backend { get; init; }

    /// <summary>Run the graph verifier after every graph stage (tests turn it on; it costs a pass per stage).</summary>
    public bool Verify { get; init; }

    /// <summary>When set, every stage of every compile is written to a file in this folder (TRACER_DUMP).</summary>
    public string? DumpDirectory { get; init; }

    /// <summary>
    /// Fusion limits of the lowering stage (backends pass their own, see <c>CpuBackendOptions.Lowering</c>).
    /// </summary>
    public LoweringOptions Lowering { get; init; } = LoweringOptions.Default;
}

/// <summary>How long one stage of a compile took.</summary>
public readonly record struct StageTime(string Stage, TimeSpan Elapsed)
{
    /// <c>stage 1.234 ms</c>, as listed in compile events.
    public override string ToString() => $"{Stage} {Elapsed.TotalMilliseconds:0.###} ms";
}

/// <summary>Every stage's output of one compile, and the executable at its end.</summary>
public sealed class CompiledProgram(Graph traced, Graph optimised, LoweredProgram lowered, IExecutable executable, StageTime[] times)
{
    /// <summary>The graph as traced, after the transform (e.g. reverse mode) and before optimisation.</summary>
    public Graph Traced { get; } = traced;

    /// <summary>
    /// The graph after the final optimisation (CSE, simplification, dead code, custom calls expanded): what was
    /// lowered.
    /// </summary>
    public Graph Optimised { get; } = optimised;

    /// <summary>The optimised graph lowered to kernels, control-flow bodies included.</summary>
    public LoweredProgram Lowered { get; } = lowered;

    /// <summary>The backend's compiled program, ready to run; thread-safe.</summary>
    public IExecutable Executable { get; } = executable;

    /// <summary>trace, transform, optimise, lower and codegen, in order.</summary>
    public IReadOnlyList<StageTime> Times { get; } = times;
}

/// <summary>
/// What running a compiled function needs, and no more: the executable (its inspection material released), the type
/// of each output and the stage times; the transformed graph only when asked for (NaN debugging).
/// </summary>
public sealed class RunnableProgram(IExecutable executable, TensorType[] outputTypes, StageTime[] times, Graph? traced)
{
    /// <summary>The backend's compiled program, ready to run; thread-safe.</summary>
    public IExecutable Executable { get; } = executable;

    /// <summary>The shape and dtype of each output of the optimised graph, in order.</summary>
    public IReadOnlyList<TensorType> OutputTypes { get; } = outputTypes;

    /// <summary>trace, transform, optimise, lower and codegen, in order.</summary>
    public IReadOnlyList<StageTime> Times { get; } = times;

    /// <summary>The graph after the transform, before optimisation, when it was asked to be kept; else null.</summary>
    public Graph? Traced { get; } = traced;
}

/// <summary>
/// The one place that owns the order of compilation for every backend: trace -> transform -> optimise -> lower
/// (control-flow bodies included, recursively) -> backend code generation. Every stage's output is a printable value;
/// the verifier can run after each graph stage and every stage can be dumped to files.
/// </summary>
public static class Pipeline
{
    private static long dumpSequence;

    /// <summary>Runs every stage for one signature of <paramref name="name"/>.</summary>
    /// <param name="name">The function's name, for dump file names.</param>
    /// <param name="trace">Runs the user's function over symbolic inputs.</param>
    /// <param name="transform">The function's transform (identity, reverse mode, vmap...).</param>
    /// <param name="options">The backend to compile for, lowering limits, verification and dumping.</param>
    public static CompiledProgram Compile(string name, Func<Graph> trace, Func<Graph, Graph> transform, PipelineOptions options)
    {
        var times = new List<StageTime>(5);
        var clock = Stopwatch.StartNew();
        var traced = trace();
        Mark(times, "trace", clock);
        var transformed = transform(traced);
        Mark(times, "transform", clock);
        Check(transformed, "transform", options);
        var optimised = Optimise(transformed, options);
        Mark(times, "optimise", clock);
        var lowered = Lower(optimised, options);
        Mark(times, "lower", clock);
        var executable = options.Backend.Compile(lowered);
        Mark(times, "codegen", clock);
        if (options.DumpDirectory is { } dir) Dump(dir, name, transformed, optimised, lowered, executable, times);
        return new CompiledProgram(transformed, optimised, lowered, executable, times.ToArray());
    }

    /// <summary>
    /// Runs every stage like <see cref="Compile"/>, for a program that is only going to run (what the JIT cache
    /// keeps): each stage's output becomes garbage as soon as the next stage's exists, and the executable's inspection
    /// material is released (<see cref="IExecutable.ReleaseInspection"/>). So the memory of a compile peaks at about
    /// two adjacent stages instead of all of them, and what stays afterwards is what running needs: for a long
    /// unrolled program (tens of thousands of equations) that is the difference between a few and many hundreds of
    /// megabytes. With a dump directory every stage is kept and written, as by <see cref="Compile"/>.
    /// </summary>
    /// <param name="name">The function's name, for dump file names.</param>
    /// <param name="trace">Runs the user's function over symbolic inputs.</param>
    /// <param name="transform">The function's transform (identity, reverse mode, vmap...).</param>
    /// <param name="options">The backend to compile for, lowering limits, verification and dumping.</param>
    /// <param name="keepTraced">Keep the transformed graph (before optimisation) in the result.</param>
    public static RunnableProgram CompileToRun(string name, Func<Graph> trace, Func<Graph, Graph> transform, PipelineOptions options, bool keepTraced = false)
    {
        if (options.DumpDirectory is not null)
        {
            var all = Compile(name, trace, transform, options);
            all.Executable.ReleaseInspection();
            return new RunnableProgram(all.Executable, OutputTypes(all.Optimised), [.. all.Times], keepTraced ? all.Traced : null);
        }
        var times = new List<StageTime>(5);
        var clock = Stopwatch.StartNew();
        // Every stage's input is cleared once its output exists, so that no local keeps an earlier stage alive.
        var graph = trace();
        Mark(times, "trace", clock);
        graph = transform(graph);
        Mark(times, "transform", clock);
        Check(graph, "transform", options);
        var traced = keepTraced ? graph : null;
        graph = Optimizer.Run(graph, new OptimizeOptions(Final: true, ShareNodes: true));
        Check(graph, "optimise", options);
        Mark(times, "optimise", clock);
        var outputs = OutputTypes(graph);
        var lowered = Lower(graph, options).WithoutGraph();
        graph = null!;
        Mark(times, "lower", clock);
        var executable = options.Backend.Compile(lowered);
        lowered = null!;
        executable.ReleaseInspection();
        Mark(times, "codegen", clock);
        return new RunnableProgram(executable, outputs, times.ToArray(), traced);
    }

    private static TensorType[] OutputTypes(Graph graph)
    {
        var types = new TensorType[graph.OutputArray.Length];
        for (int i = 0; i < types.Length; i++) types[i] = graph.OutputArray[i].Type;
        return types;
    }

    /// <summary>The final optimisation: the graph goes to code generation next (custom calls expanded).</summary>
    public static Graph Optimise(Graph graph, PipelineOptions options)
    {
        var optimised = Optimizer.Run(graph, new OptimizeOptions(Final: true));
        Check(optimised, "optimise", options);
        return optimised;
    }

    /// <summary>
    /// Lowers an optimised graph for <see cref="PipelineOptions.Backend"/>, with every control-flow body optimised and
    /// lowered too, so the backend only ever compiles lowered programs.
    /// </summary>
    public static LoweredProgram Lower(Graph optimised, PipelineOptions options)
    {
        var bodies = new Dictionary<Graph, LoweredProgram>(ReferenceEqualityComparer.Instance);
        KernelProgram? kernels = null;
        if (options.Backend.ConsumesKernels)
        {
            kernels = Lowerer.Lower(optimised, options.Lowering);
            foreach (var kernel in kernels.Kernels)
            {
                if (kernel is not HostKernel { Equation.Attrs.Control: { } def }) continue;
                foreach (var sub in def.SubGraphs())
                {
                    if (!bodies.ContainsKey(sub)) bodies[sub] = Lower(Optimise(sub, options), options);
                }
            }
        }
        else
        {
            foreach (var eq in optimised.Equations)
            {
                if (eq.Attrs.Control is not { } def) continue;
                foreach (var sub in def.SubGraphs())
                {
                    if (!bodies.ContainsKey(sub)) bodies[sub] = Lower(Optimise(sub, options), options);
                }
            }
        }
        return new LoweredProgram(optimised, kernels, bodies);
    }

    private static void Check(Graph graph, string stage, PipelineOptions options)
    {
        if (!options.Verify) return;
        try
        {
            Verifier.Verify(graph);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"the graph after the {stage} stage is malformed: {e.Message}\n{graph}", e);
        }
    }

    private static void Mark(List<StageTime> times, string stage, Stopwatch clock)
    {
        times.Add(new StageTime(stage, clock.Elapsed));
        clock.Restart();
    }

    private static void Dump(string dir, string name, Graph traced, Graph optimised, LoweredProgram lowered, IExecutable executable, List<StageTime> times)
    {
        Directory.CreateDirectory(dir);
        long n = Interlocked.Increment(ref dumpSequence);
        var safe = new char[name.Length];
        for (int i = 0; i < safe.Length; i++) safe[i] = char.IsLetterOrDigit(name[i]) ? name[i] : '_';
        string prefix = Path.Combine(dir, $"{n:D4}-{new string(safe)}");
        File.WriteAllText(prefix + ".1-traced.txt", traced.ToString());
        File.WriteAllText(prefix + ".2-optimised.txt", optimised.ToString());
        File.WriteAllText(prefix + ".3-kernels.txt", lowered.ToString());
        File.WriteAllText(prefix + ".4-code.txt", executable.Describe());
        File.WriteAllText(prefix + ".times.txt", string.Join('\n', times) + "\n");
    }
}
