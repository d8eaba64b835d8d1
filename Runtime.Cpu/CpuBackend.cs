using System.Linq.Expressions;
using System.Text;
using FastExpressionCompiler;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>Which compiler turns kernel expression trees into delegates.</summary>
public enum CpuCompiler
{
    /// <summary>FastExpressionCompiler (the default: fast to compile, fully optimised code).</summary>
    Fast,

    /// <summary>System.Linq.Expressions' own <c>Compile()</c>: slower to compile; a cross-check against FEC bugs.</summary>
    System,
}

/// <summary>Options of <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions
{
    public static readonly CpuBackendOptions Default = new();

    public LoweringOptions Lowering { get; init; } = LoweringOptions.Default;

    public CpuCompiler Compiler { get; init; } = CpuCompiler.Fast;

    /// <summary>Vector width of generated loops: the widest the hardware accelerates unless set (tests force each).</summary>
    public VectorIsa Vectors { get; init; } = VectorCodegen.Best;

    /// <summary>
    /// Most threads one kernel uses. Default: the <c>TRACER_CPU_THREADS</c> environment variable when set (read once,
    /// at start-up; benchmarks use it to pin 1 or 2 threads), else <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public int MaxThreads
    {
        get => maxThreads;
        init => maxThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxThreads), value, "must be at least 1");
    }

    private readonly int maxThreads = DefaultThreads();

    /// <summary>
    /// A kernel is split across threads when its work (elements times operations per element) reaches this; below it
    /// the cost of waking threads (microseconds) outweighs the gain.
    /// </summary>
    public long ParallelThreshold { get; init; } = 1 << 17;

    private static int DefaultThreads() =>
        int.TryParse(Environment.GetEnvironmentVariable("TRACER_CPU_THREADS"), out int n) && n >= 1 ? n : Environment.ProcessorCount;
}

/// <summary>
/// The CPU backend: lowers a graph to a <see cref="KernelProgram"/> and compiles every kernel once into a delegate
/// over flat typed arrays (System.Linq.Expressions + FastExpressionCompiler). Running allocates only the outputs
/// and temporaries; the kernels themselves allocate nothing.
/// </summary>
public sealed class CpuBackend(CpuBackendOptions? options = null) : IBackend
{
    private readonly CpuBackendOptions options = options ?? CpuBackendOptions.Default;

    public string Name => "cpu";

    public IExecutable Compile(Graph graph) => Compile(Lowerer.Lower(graph, options.Lowering));

    /// <summary>Compiles an already lowered program.</summary>
    public CpuExecutable Compile(KernelProgram program)
    {
        var lambdas = new Expression<Action<Array[], int, int>>[program.Kernels.Count];
        var delegates = new Action<Array[], int, int>[lambdas.Length];
        var compiledBy = new CpuCompiler[lambdas.Length];
        var steps = new KernelStep[lambdas.Length];
        var vectorized = new bool[lambdas.Length];
        for (int i = 0; i < lambdas.Length; i++)
        {
            var buffers = Expression.Parameter(typeof(Array[]), "buffers");
            var lo = Expression.Parameter(typeof(int), "lo");
            var hi = Expression.Parameter(typeof(int), "hi");
            if (program.Kernels[i] is HostKernel host)
            {
                var run = HostCalls.Compile(host, program.Buffers, this);
                lambdas[i] = Expression.Lambda<Action<Array[], int, int>>(Expression.Invoke(Expression.Constant(run), buffers), $"host_{host.Equation.Op.Name()}", [buffers, lo, hi]);
                delegates[i] = (b, _, _) => run(b);
                compiledBy[i] = CpuCompiler.Fast;
                steps[i] = KernelStep.Sequential;
                continue;
            }
            if (program.Kernels[i] is MatMulKernel mm && Gemm.Supports(mm, options.Vectors))
            {
                var gemm = Gemm.Create(mm, options.Vectors, options.MaxThreads);
                lambdas[i] = Expression.Lambda<Action<Array[], int, int>>(
                    Expression.Invoke(Expression.Constant(gemm), buffers), $"gemm_{mm.DType.ShortName()}", [buffers, lo, hi]);
                delegates[i] = (b, _, _) => gemm(b);
                compiledBy[i] = CpuCompiler.Fast;
                steps[i] = KernelStep.Sequential;
                vectorized[i] = true;
                continue;
            }
            var loop = program.Kernels[i] switch
            {
                LoopKernel k => k,
                MatMulKernel m => m.ToLoopKernel(),
                var k => throw new NotSupportedException($"cpu: kernel {k.GetType().Name} is not supported"),
            };
            lambdas[i] = LoopCodegen.Build(loop, program.Buffers, options.Vectors, out vectorized[i]);
            steps[i] = KernelStep.For(loop, options);
            if (options.Compiler == CpuCompiler.Fast && lambdas[i].CompileFast(ifFastFailedReturnNull: true) is { } fast)
            {
                delegates[i] = fast;
                compiledBy[i] = CpuCompiler.Fast;
            }
            else
            {
                // FEC declined (it does so on nodes it does not support) or was not asked for.
                delegates[i] = lambdas[i].Compile();
                compiledBy[i] = CpuCompiler.System;
            }
        }
        return new CpuExecutable(program, lambdas, delegates, compiledBy, steps) { Vectorized = vectorized };
    }
}

/// <summary>A compiled <see cref="KernelProgram"/>. Thread-safe: every call has its own buffers.</summary>
public sealed class CpuExecutable : IExecutable
{
    private readonly Expression<Action<Array[], int, int>>[] lambdas;
    private readonly Action<Array[], int, int>[] kernels;
    private readonly KernelStep[] steps;
    private readonly bool[] skip;
    private readonly MemoryPlan plan;
    private readonly CpuCompiler[] compiledBy;

    internal CpuExecutable(KernelProgram program, Expression<Action<Array[], int, int>>[] lambdas, Action<Array[], int, int>[] kernels,
        CpuCompiler[] compiledBy, KernelStep[] steps)
    {
        this.steps = steps;
        Program = program;
        this.lambdas = lambdas;
        this.kernels = kernels;
        this.compiledBy = compiledBy;
        plan = MemoryPlan.Create(program);
        skip = RedundantZeroFills(program, plan);
    }

    public KernelProgram Program { get; }

    /// <summary>Which compiler produced each kernel (FEC silently declines some trees; tests check it did not).</summary>
    public IReadOnlyList<CpuCompiler> CompiledBy => compiledBy;

    /// <summary>Per kernel, whether it runs vector code (a vectorised innermost loop or the blocked GEMM).</summary>
    public IReadOnlyList<bool> Vectorized { get; internal init; } = [];

    /// <summary>Per kernel, how many threads it is split across (1: runs on the caller's thread).</summary>
    public int Threads(int kernel) => steps[kernel].Chunks;

    public Array[] Run(Array[] inputs)
    {
        var p = Program;
        if (inputs.Length != p.Inputs.Count)
            throw new ArgumentException($"expected {p.Inputs.Count} inputs, got {inputs.Length}");
        var buffers = new Array[p.Buffers.Count];
        var slots = new Array[plan.SlotLengths.Count];
        for (int s = 0; s < slots.Length; s++) slots[s] = plan.SlotTypes[s].NewArray(plan.SlotLengths[s]);
        foreach (var b in p.Buffers)
        {
            switch (b.Kind)
            {
                case BufferKind.Input:
                    var x = inputs[b.Index];
                    if (x.Length != b.Length || DTypeExtensions.OfArray(x) != b.DType)
                        throw new ArgumentException(
                            $"input {b.Index}: expected {b.DType.ShortName()}[{b.Length} elements], got {x.GetType().Name} of {x.Length}");
                    buffers[b.Id] = x;
                    break;
                case BufferKind.Constant:
                    buffers[b.Id] = b.Data!;
                    break;
                case BufferKind.Temporary when plan.SlotOf[b.Id] >= 0:
                    buffers[b.Id] = slots[plan.SlotOf[b.Id]];
                    break;
                default:
                    buffers[b.Id] = b.DType.NewArray(b.Length);
                    break;
            }
        }
        for (int i = 0; i < kernels.Length; i++)
        {
            if (!skip[i]) steps[i].Run(kernels[i], buffers);
        }
        var outputs = new Array[p.Outputs.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = buffers[p.Outputs[i]];
        return outputs;
    }

    /// <summary>
    /// Zero fills of freshly allocated memory (which .NET already zeroes) are skipped: outputs, and temporaries that
    /// are the first occupant of their slot, before anything else wrote them.
    /// </summary>
    private static bool[] RedundantZeroFills(KernelProgram p, MemoryPlan plan)
    {
        var skip = new bool[p.Kernels.Count];
        var written = new bool[p.Buffers.Count];
        for (int i = 0; i < skip.Length; i++)
        {
            var k = p.Kernels[i];
            var b = p.Buffers[k.Output];
            bool fresh = b.Kind == BufferKind.Output || (b.Kind == BufferKind.Temporary && plan.FirstOccupant[b.Id]);
            skip[i] = fresh && !written[k.Output] && k is LoopKernel { Body: ConstExpr { Value: 0 }, Mode: WriteMode.Store, ReduceOp: null };
            written[k.Output] = true;
        }
        return skip;
    }

    public string Describe()
    {
        var sb = new StringBuilder(Program.ToString());
        for (int b = 0; b < plan.SlotOf.Count; b++)
        {
            if (plan.SlotOf[b] >= 0) sb.Append("  b").Append(b).Append(" -> slot ").Append(plan.SlotOf[b]).Append('\n');
        }
        for (int i = 0; i < lambdas.Length; i++)
        {
            var k = Program.Kernels[i];
            sb.Append("\n// k").Append(i).Append(": ").Append(k.Label);
            if (skip[i]) sb.Append(" (skipped: fresh buffers are zeroed)");
            if (compiledBy[i] == CpuCompiler.System) sb.Append(" (compiled by System.Linq.Expressions)");
            if (Vectorized.Count > i && Vectorized[i]) sb.Append(" (vectorised)");
            if (steps[i].Chunks > 1) sb.Append(" (").Append(steps[i].Chunks).Append(" threads)");
            sb.Append('\n').Append(lambdas[i].ToCSharpString()).Append('\n');
        }
        return sb.ToString();
    }
}
