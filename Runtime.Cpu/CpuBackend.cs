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
        var lambdas = new Expression<Action<Array[]>>[program.Kernels.Count];
        var delegates = new Action<Array[]>[lambdas.Length];
        var compiledBy = new CpuCompiler[lambdas.Length];
        for (int i = 0; i < lambdas.Length; i++)
        {
            if (program.Kernels[i] is HostKernel host)
            {
                var run = HostCalls.Compile(host, program.Buffers, this);
                var buffers = Expression.Parameter(typeof(Array[]), "buffers");
                lambdas[i] = Expression.Lambda<Action<Array[]>>(Expression.Invoke(Expression.Constant(run), buffers), $"host_{host.Equation.Op.Name()}", [buffers]);
                delegates[i] = run;
                compiledBy[i] = CpuCompiler.Fast;
                continue;
            }
            var loop = program.Kernels[i] switch
            {
                LoopKernel k => k,
                MatMulKernel m => m.ToLoopKernel(),
                var k => throw new NotSupportedException($"cpu: kernel {k.GetType().Name} is not supported"),
            };
            lambdas[i] = LoopCodegen.Build(loop, program.Buffers);
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
        return new CpuExecutable(program, lambdas, delegates, compiledBy);
    }
}

/// <summary>A compiled <see cref="KernelProgram"/>. Thread-safe: every call has its own buffers.</summary>
public sealed class CpuExecutable : IExecutable
{
    private readonly Expression<Action<Array[]>>[] lambdas;
    private readonly Action<Array[]>[] kernels;
    private readonly bool[] skip;
    private readonly MemoryPlan plan;
    private readonly CpuCompiler[] compiledBy;

    internal CpuExecutable(KernelProgram program, Expression<Action<Array[]>>[] lambdas, Action<Array[]>[] kernels,
        CpuCompiler[] compiledBy)
    {
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
            if (!skip[i]) kernels[i](buffers);
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
            sb.Append('\n').Append(lambdas[i].ToCSharpString()).Append('\n');
        }
        return sb.ToString();
    }
}
