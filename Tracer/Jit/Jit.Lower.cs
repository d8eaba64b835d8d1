using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Every stage of one compile, for inspection (JAX's <c>jit(f).lower(x)</c>): the graph as traced (with its
/// transform, e.g. the backward pass), after the optimiser, the fused kernel program and the generated code for the
/// target device, and how long each stage took. Nothing is cached or run.
/// </summary>
public sealed class Lowered
{
    internal Lowered(string function, Device device, CompiledProgram program)
    {
        Function = function;
        Device = device;
        Traced = program.Traced;
        Optimised = program.Optimised;
        Kernels = program.Lowered.ToString();
        Code = program.Executable.Describe();
        Times = program.Times;
    }

    /// <summary>The transformed function's name as used in cache events, e.g. <c>Lower(Loss)</c>.</summary>
    public string Function { get; }

    /// <summary>The device the arguments live on, which picked the backend.</summary>
    public Device Device { get; }

    /// <summary>The graph as traced, including the transform (reverse mode, vmap...), before optimisation.</summary>
    public Graph Traced { get; }

    /// <summary>The graph after the optimiser (simplification, constant folding, CSE, DCE).</summary>
    public Graph Optimised { get; }

    /// <summary>The fused kernel program: buffers, loop kernels, GEMMs, host loops (nested bodies included).</summary>
    public string Kernels { get; }

    /// <summary>Generated code for the target device (C#-like text of the expression trees for the CPU).</summary>
    public string Code { get; }

    /// <summary>trace, transform, optimise, lower and codegen.</summary>
    public IReadOnlyList<StageTime> Times { get; }

    /// <summary>
    /// Every stage under a <c>=== stage</c> heading: traced graph, optimised graph, kernels, generated code, times.
    /// </summary>
    public override string ToString() =>
        $"=== {Function} on {Device}\n=== traced\n{Traced}\n=== optimised\n{Optimised}\n=== kernels\n{Kernels}\n=== code\n{Code}\n" +
        $"=== times\n{string.Join(", ", Times)}\n";
}

public static partial class Jit
{
    /// <summary>Every compile stage of <paramref name="f"/> (a plain function or any Jit delegate) for these arguments.</summary>
    public static Lowered Lower<T, R>(Func<T, R> f, T x) =>
        Lowering(Stage<ValueTuple<T>, R>("Lower", f, a => f(a.Item1), CompileStage<ValueTuple<T>>.Instance), new ValueTuple<T>(x));

    /// <summary>
    /// Every compile stage of <paramref name="f"/> for arguments <paramref name="x"/> and <paramref name="a"/>;
    /// compiles but neither caches nor runs.
    /// </summary>
    public static Lowered Lower<T, A, R>(Func<T, A, R> f, T x, A a) =>
        Lowering(Stage<(T, A), R>("Lower", f, v => f(v.Item1, v.Item2), CompileStage<(T, A)>.Instance), (x, a));

    /// <summary>
    /// Every compile stage of <paramref name="f"/> for three arguments; compiles but neither caches nor runs.
    /// </summary>
    public static Lowered Lower<T, A, B, R>(Func<T, A, B, R> f, T x, A a, B b) =>
        Lowering(Stage<(T, A, B), R>("Lower", f, v => f(v.Item1, v.Item2, v.Item3), CompileStage<(T, A, B)>.Instance), (x, a, b));

    /// <summary>
    /// Every compile stage of <paramref name="f"/> for four arguments; compiles but neither caches nor runs.
    /// </summary>
    public static Lowered Lower<T, A, B, C, R>(Func<T, A, B, C, R> f, T x, A a, B b, C c) =>
        Lowering(Stage<(T, A, B, C), R>("Lower", f, v => f(v.Item1, v.Item2, v.Item3, v.Item4), CompileStage<(T, A, B, C)>.Instance), (x, a, b, c));

    private static Lowered Lowering<TArgs, R>(StagedFunction<TArgs, R> staged, TArgs args)
    {
        var leaves = new List<Tensor>();
        TreeAdapter<TArgs>.Instance.Flatten(args, leaves, null);
        var device = leaves.Count > 0 ? leaves[0].Device : Device.Cpu;
        return new Lowered(staged.Name, device, staged.Lower(args));
    }
}
