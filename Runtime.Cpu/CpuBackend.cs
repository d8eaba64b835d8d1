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

    /// <summary>
    /// No code generation for loop kernels: each runs in the kernel interpreter (the scalar functions of the
    /// generated code, evaluated point by point). Slow to run, instant to prepare; the backend picks it by itself
    /// for small kernels of large programs (<see cref="CpuBackendOptions.InterpretBelowWork"/>), and tests use it to
    /// check the interpreter against the generated code.
    /// </summary>
    Interpreted,
}

/// <summary>Options of <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>
    /// The options <see cref="CpuBackend"/> uses when given none: default lowering, FastExpressionCompiler, the
    /// widest vector ISA the machine accelerates, every core (or <c>TRACER_CPU_THREADS</c> threads).
    /// </summary>
    public static readonly CpuBackendOptions Default = new();

    /// <summary>
    /// How graphs are lowered to kernels for this backend: the fusion limits of <see cref="LoweringOptions"/>.
    /// </summary>
    public LoweringOptions Lowering { get; init; } = LoweringOptions.Default;

    /// <summary>
    /// Which expression compiler turns kernels into delegates; <see cref="CpuCompiler.System"/> is slower to compile
    /// and exists to cross-check FastExpressionCompiler.
    /// </summary>
    public CpuCompiler Compiler { get; init; } = CpuCompiler.Fast;

    /// <summary>Vector width of generated loops: the widest the hardware accelerates unless set (tests force each).</summary>
    public VectorIsa Vectors { get; init; } = VectorCodegen.Best;

    /// <summary>
    /// When false (the default), a loop that evaluates exp, log, sin, cos, tanh, the logistic function or erf runs on
    /// 256-bit vectors even where <see cref="Vectors"/> is <see cref="VectorIsa.V512"/>: on the AMD EPYC (Zen 4)
    /// machines we measured, those functions took 1.2-3x longer per element on 512-bit vectors than on 256-bit ones,
    /// while plain arithmetic and the GEMM keep the wider vectors. Set true to use <see cref="Vectors"/> everywhere.
    /// </summary>
    public bool WideTranscendentals { get; init; }

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
    /// At the default, a cost model decides which kernels split across threads (each kernel's estimated time against
    /// the measured wake-up of a worker thread). A smaller value splits every kernel whose work (elements times
    /// operations per element; m*n*k for a product) reaches it; a larger one must be reached besides.
    /// </summary>
    public long ParallelThreshold { get; init; } = 1 << 17;

    /// <summary>
    /// An innermost loop is vectorised when it runs at least this many whole vectors, or at least one in a kernel of
    /// 1024 points or more. A vector body roughly doubles a kernel's code, and the JIT's time with it (about half a
    /// millisecond per kernel); over a few elements the scalar loop is as fast in absolute terms, so tiny tensors keep
    /// scalar code. Tests set 1 to force vector code.
    /// </summary>
    public int MinVectors
    {
        get => minVectors;
        init => minVectors = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MinVectors), value, "must be at least 1");
    }

    private readonly int minVectors = 4;

    /// <summary>
    /// Most consecutive single-threaded loop kernels compiled into one method. Each compiled method costs the .NET JIT
    /// a fixed few hundred microseconds on its first call, which dominates compile time for graphs of many small
    /// kernels; 1 compiles every kernel on its own.
    /// </summary>
    public int KernelsPerMethod
    {
        get => kernelsPerMethod;
        init => kernelsPerMethod = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(KernelsPerMethod), value, "must be at least 1");
    }

    private readonly int kernelsPerMethod = 32;

    /// <summary>
    /// In a program of at least <see cref="InterpretFromKernels"/> loop kernels, a kernel whose work (points times
    /// one plus its body's operations) is below this runs in the kernel interpreter instead of being compiled. Compiling
    /// a kernel costs 0.3-1 ms however small it is, so a program of thousands of tiny kernels (a long unrolled chain)
    /// would spend seconds in code generation and the JIT to save microseconds per call. 0 compiles everything.
    /// </summary>
    public long InterpretBelowWork
    {
        get => interpretBelowWork;
        init => interpretBelowWork = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(InterpretBelowWork), value, "must not be negative");
    }

    private readonly long interpretBelowWork = 4096;

    /// <summary>
    /// How many loop kernels a program needs before its small kernels are interpreted (see
    /// <see cref="InterpretBelowWork"/>): smaller programs, which are cheap to compile and called many times, compile
    /// every kernel. 0 interprets small kernels in every program.
    /// </summary>
    public int InterpretFromKernels
    {
        get => interpretFromKernels;
        init => interpretFromKernels = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(InterpretFromKernels), value, "must not be negative");
    }

    private readonly int interpretFromKernels = 256;

    /// <summary>
    /// When true (the default), a large output array (64 KiB or more) of a compiled call goes back to the backend's
    /// pool once its tensor is unreachable, as a disposed tensor's does at once: a loop such as
    /// <c>for (...) g = grad(x);</c> reuses the same few arrays instead of filling the large-object heap and starting
    /// full garbage collections. The pool may run a young (gen-0 or gen-1) collection itself when it has lent 8 MB since the last one
    /// and has no free array of the size asked for. False leaves unreachable outputs to the garbage collector.
    /// </summary>
    public bool RecycleUnreachableOutputs { get; init; } = true;

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

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public Device Device => Device.Cpu;

    /// <summary>
    /// The options this backend was created with (<see cref="CpuBackendOptions.Default"/> when none were given).
    /// </summary>
    public CpuBackendOptions Options => options;

    IExecutable IBackend.Compile(LoweredProgram program) => Compile(program);

    /// <summary>Compiles a program lowered by the pipeline (its control-flow bodies included).</summary>
    public CpuExecutable Compile(LoweredProgram program) =>
        Compile(program.Kernels ?? throw new ArgumentException("cpu: the program was not lowered to kernels"), program);

    /// <summary>
    /// Lowers <paramref name="graph"/> as it is (no optimisation of its own equations) and compiles it: for tests and
    /// tools that build graphs by hand. The front end goes through <see cref="Pipeline"/> instead.
    /// </summary>
    public CpuExecutable Compile(Graph graph) => Compile(Pipeline.Lower(graph, PipelineOptions()));

    /// <summary>The pipeline options that compile for this backend with its lowering knobs.</summary>
    public PipelineOptions PipelineOptions() => new(this) { Lowering = options.Lowering };

    /// <summary>
    /// A host storage holding a copy of <paramref name="data"/>: the caller may reuse or mutate its array afterwards
    /// without changing the tensor.
    /// </summary>
    public Storage FromHost(Array data) => new HostStorage((Array)data.Clone());

    /// <summary>
    /// The storage's own array, not a copy (CPU storage already lives on the host); callers must not mutate it.
    /// Throws <see cref="InvalidCastException"/> for a storage of another device.
    /// </summary>
    public Array ToHost(Storage storage) => ((HostStorage)storage).Data;

    /// <summary>A disposed tensor's array goes to the pool that outputs are allocated from.</summary>
    public void Release(Storage storage)
    {
        if (storage is not HostStorage host || storage.IsCaptured) return;
        host.Lease?.Cancel();   // before the array is free: the pool must not also reclaim it when the storage dies
        HostArrayPool.Return(host.Data);
        GC.KeepAlive(host);
    }

    /// <summary>Compiles a kernel program; <paramref name="lowered"/> supplies its control-flow bodies.</summary>
    private CpuExecutable Compile(KernelProgram program, LoweredProgram lowered)
    {
        int count = program.Kernels.Count;
        var lambdas = new Expression<Action<Array[], int, int>>?[count];
        var delegates = new Action<Array[], int, int>?[count];
        var compiledBy = new CpuCompiler[count];
        var steps = new KernelStep[count];
        var vectorized = new bool[count];
        bool interpretAll = options.Compiler == CpuCompiler.Interpreted;
        bool interpretSmall = options.InterpretBelowWork > 0 && LoopKernels(program) >= options.InterpretFromKernels;
        KernelInterpreter.Builder? evaluators = null;   // shared by the interpreted kernels, as their expressions are
        var fusedIntoGemm = new bool[count];   // gemm family: updates computed by the product before them
        for (int i = 0; i < count; i++)
        {
            // Small loop kernels are interpreted without building expression parameters (whose type checks showed in
            // programs of many thousands of kernels); never one the GEMM before it already computed as its epilogue.
            if (!fusedIntoGemm[i] && program.Kernels[i] is LoopKernel small && (interpretAll || interpretSmall && Work(small) < options.InterpretBelowWork)
                && KernelInterpreter.TryCreate(small, evaluators ??= new()) is { } interpreted)
            {
                steps[i] = KernelStep.For(small, options);
                delegates[i] = interpreted;
                compiledBy[i] = CpuCompiler.Interpreted;
                continue;
            }
            var buffers = Expression.Parameter(typeof(Array[]), "buffers");
            var lo = Expression.Parameter(typeof(int), "lo");
            var hi = Expression.Parameter(typeof(int), "hi");
            if (fusedIntoGemm[i])
            {
                // Nothing left to do (the kernel still counts as the first write of its output, which the GEMM made).
                lambdas[i] = Expression.Lambda<Action<Array[], int, int>>(Expression.Call(typeof(GemmEpilogue), nameof(GemmEpilogue.FusedIntoGemm), null), [buffers, lo, hi]);
                delegates[i] = static (_, _, _) => { };
                compiledBy[i] = CpuCompiler.Fast;
                steps[i] = KernelStep.Sequential;
                continue;
            }
            if (program.Kernels[i] is HostOpKernel linalg)
            {
                var run = linalg.Equation.Op.Kind() == OpKind.Conv   // conv family: im2col + GEMM
                    ? ConvKernels.Compile(linalg, options.Vectors, options.MaxThreads)
                    : SequenceKernels.CompileHostOp(linalg, options.Vectors, options.MaxThreads);   // linalg, cumsum, argsort
                lambdas[i] = Expression.Lambda<Action<Array[], int, int>>(Expression.Invoke(Expression.Constant(run), buffers), $"linalg_{linalg.Equation.Op.Name()}", [buffers, lo, hi]);
                delegates[i] = (b, _, _) => run(b);
                compiledBy[i] = CpuCompiler.Fast;
                steps[i] = KernelStep.Sequential;
                continue;
            }
            if (program.Kernels[i] is HostKernel host)
            {
                var run = HostCalls.Compile(host, program.Buffers, lowered, this);
                lambdas[i] = Expression.Lambda<Action<Array[], int, int>>(Expression.Invoke(Expression.Constant(run), buffers), $"host_{host.Equation.Op.Name()}", [buffers, lo, hi]);
                delegates[i] = (b, _, _) => run(b);
                compiledBy[i] = CpuCompiler.Fast;
                steps[i] = KernelStep.Sequential;
                continue;
            }
            if (program.Kernels[i] is MatMulKernel mm && Gemm.Supports(mm, options.Vectors))
            {
                var epilogue = GemmEpilogue.Match(program, i);
                if (epilogue != null) fusedIntoGemm[i + 1] = true;
                var gemm = Gemm.Create(mm, options.Vectors, options.MaxThreads, KernelStep.Forced(options), epilogue);
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
            steps[i] = KernelStep.For(loop, options);
            // A matmul the GEMM does not take runs as a loop kernel, interpreted under the same rule as the others.
            if (program.Kernels[i] is MatMulKernel && (interpretAll || interpretSmall && Work(loop) < options.InterpretBelowWork)
                && KernelInterpreter.TryCreate(loop, evaluators ??= new()) is { } interpretedMatMul)
            {
                delegates[i] = interpretedMatMul;
                compiledBy[i] = CpuCompiler.Interpreted;
                continue;
            }
            lambdas[i] = LoopCodegen.Build(loop, program.Buffers, VectorCodegen.WidthFor(loop, options.Vectors, options.WideTranscendentals),
                out vectorized[i], options.MinVectors);
        }

        // Loop kernels are compiled in runs of consecutive single-threaded ones, one method per run.
        var skip = CpuExecutable.RedundantZeroFills(program);
        var runs = new List<CpuExecutable.Method>();
        var runOf = new int[count];
        for (int i = 0; i < count;)
        {
            if (skip[i])
            {
                runOf[i] = -1;
                i++;
                continue;
            }
            if (delegates[i] is { } ready)
            {
                runOf[i] = runs.Count;
                runs.Add(new(ready, steps[i]));
                i++;
                continue;
            }
            int end = i + 1;
            if (steps[i].Chunks == 1)
            {
                while (end < count && end - i < options.KernelsPerMethod && !skip[end] && delegates[end] is null && steps[end].Chunks == 1) end++;
            }
            var lambda = end - i == 1 ? lambdas[i]! : Sequence(lambdas, steps, i, end);
            var (code, by) = CompileLambda(lambda);
            for (int k = i; k < end; k++)
            {
                runOf[k] = runs.Count;
                compiledBy[k] = by;
            }
            runs.Add(new(code, end - i == 1 ? steps[i] : KernelStep.Sequential));
            i = end;
        }
        return new CpuExecutable(program, lambdas, runs.ToArray(), runOf, compiledBy, steps, skip, options.RecycleUnreachableOutputs)
        {
            Vectorized = vectorized,
        };
    }

    private static int LoopKernels(KernelProgram program)
    {
        int n = 0;
        foreach (var k in program.Kernels) n += k is LoopKernel ? 1 : 0;
        return n;
    }

    /// <summary>Points of the domain times one plus the body's operations: the kernel's cost model.</summary>
    private static long Work(LoopKernel k)
    {
        long points = 1;
        foreach (int d in k.Domain) points *= d;
        return points * (1 + k.Body.Size);
    }

    private (Action<Array[], int, int> Code, CpuCompiler By) CompileLambda(Expression<Action<Array[], int, int>> lambda)
    {
        if (options.Compiler == CpuCompiler.Fast && lambda.CompileFast(ifFastFailedReturnNull: true) is { } fast)
            return (fast, CpuCompiler.Fast);
        // FEC declined (it does so on nodes it does not support) or was not asked for.
        return (lambda.Compile(), CpuCompiler.System);
    }

    /// <summary>
    /// Kernels [first, end) as one method: each kernel's body in its own block, its parameters bound as locals
    /// (the buffer table, and its whole outermost range).
    /// </summary>
    private static Expression<Action<Array[], int, int>> Sequence(Expression<Action<Array[], int, int>>?[] lambdas, KernelStep[] steps, int first, int end)
    {
        var buffers = Expression.Parameter(typeof(Array[]), "buffers");
        var lo = Expression.Parameter(typeof(int), "lo");
        var hi = Expression.Parameter(typeof(int), "hi");
        var parts = new Expression[end - first];
        for (int k = first; k < end; k++)
        {
            var p = lambdas[k]!.Parameters;
            parts[k - first] = Expression.Block(p,
                Expression.Assign(p[0], buffers),
                Expression.Assign(p[1], Expression.Constant(0)),
                Expression.Assign(p[2], Expression.Constant(steps[k].Extent)),
                lambdas[k]!.Body);
        }
        return Expression.Lambda<Action<Array[], int, int>>(Expression.Block(typeof(void), parts), $"kernels_{first}_{end - 1}", [buffers, lo, hi]);
    }
}

/// <summary>
/// A compiled <see cref="KernelProgram"/>. Thread-safe: every call has its own buffer table. A finished call leaves
/// its table (constants and planned temporaries in place) for the next one, so a call allocates only its outputs;
/// a call that overlaps another on a second thread builds a table of its own.
/// </summary>
public sealed class CpuExecutable : IExecutable
{
    private Expression<Action<Array[], int, int>>?[]? lambdas;   // null once released (see ReleaseInspection)
    private KernelProgram? program;
    private readonly Method[] runs;
    private readonly int[] runOf;
    private readonly KernelStep[] steps;
    private readonly bool[] skip;
    private readonly MemoryPlan plan;
    private readonly CpuCompiler[] compiledBy;

    /// <summary>One compiled method: a kernel on its own, or a sequence of single-threaded kernels.</summary>
    internal readonly record struct Method(Action<Array[], int, int> Code, KernelStep Step);

    // Per-call bookkeeping, flattened once so a call walks plain arrays.
    private readonly int[] inputBuffer;     // buffer id of input i
    private readonly int[] inputLength;
    private readonly DType[] inputType;
    private readonly int[] outputBuffer;    // buffer id of output i
    private readonly DType[] outputTypes;
    private readonly bool[] lendOutput;     // output i's array is lent to its storage (HostArrayPool.Lend)
    private readonly int[] freshBuffers;    // output buffers, allocated anew by every call
    private readonly DType[] freshTypes;
    private readonly int[] freshLengths;
    private readonly bool[] freshZeroed;    // false: the first kernel to write it overwrites all of it
    private readonly int bufferCount;
    private readonly int[] constantBuffers; // what a new buffer table holds besides slots: constants' arrays,
    private readonly Array[] constantData;
    private readonly int[] looseBuffers;    // and temporaries no kernel touches (no slot), allocated per table
    private readonly DType[] looseTypes;
    private readonly int[] looseLengths;
    private Array[]? idle;                  // the buffer table of the last finished call, ready for reuse

    internal CpuExecutable(KernelProgram program, Expression<Action<Array[], int, int>>?[] lambdas, Method[] runs, int[] runOf,
        CpuCompiler[] compiledBy, KernelStep[] steps, bool[] skip, bool recycle)
    {
        this.steps = steps;
        this.program = program;
        this.lambdas = lambdas;
        this.runs = runs;
        this.runOf = runOf;
        this.compiledBy = compiledBy;
        this.skip = skip;
        plan = MemoryPlan.Create(program);
        inputBuffer = new int[program.Inputs.Count];
        inputLength = new int[inputBuffer.Length];
        inputType = new DType[inputBuffer.Length];
        var fresh = new List<int>();
        var constants = new List<BufferInfo>();
        var loose = new List<BufferInfo>();
        bufferCount = program.Buffers.Count;
        foreach (var b in program.Buffers)
        {
            if (b.Kind == BufferKind.Constant) constants.Add(b);
            else if (b.Kind == BufferKind.Temporary && plan.SlotOf[b.Id] < 0) loose.Add(b);
            if (b.Kind == BufferKind.Input)
            {
                inputBuffer[b.Index] = b.Id;
                inputLength[b.Index] = b.Length;
                inputType[b.Index] = b.DType;
            }
            else if (b.Kind == BufferKind.Output)
            {
                fresh.Add(b.Id);
            }
        }
        freshBuffers = fresh.ToArray();
        constantBuffers = constants.ConvertAll(b => b.Id).ToArray();
        constantData = constants.ConvertAll(b => b.Data!).ToArray();
        looseBuffers = loose.ConvertAll(b => b.Id).ToArray();
        looseTypes = loose.ConvertAll(b => b.DType).ToArray();
        looseLengths = loose.ConvertAll(b => b.Length).ToArray();
        freshTypes = new DType[freshBuffers.Length];
        freshLengths = new int[freshBuffers.Length];
        freshZeroed = new bool[freshBuffers.Length];
        for (int i = 0; i < freshBuffers.Length; i++)
        {
            var info = program.Buffers[freshBuffers[i]];
            (freshTypes[i], freshLengths[i]) = (info.DType, info.Length);
            freshZeroed[i] = !FirstWriteOverwrites(program, skip, info.Id, info.Length);
        }
        outputBuffer = new int[program.Outputs.Count];
        outputTypes = new DType[outputBuffer.Length];
        lendOutput = new bool[outputBuffer.Length];
        for (int i = 0; i < outputBuffer.Length; i++)
        {
            outputBuffer[i] = program.Outputs[i];
            outputTypes[i] = program.OutputTypes[i].DType;
            // Only an array this call allocated and no other output shares can go back to the pool with its storage
            // (an output may also be an input or a constant passed through, or appear twice).
            lendOutput[i] = recycle && program.Buffers[outputBuffer[i]].Kind == BufferKind.Output
                && Occurrences(program.Outputs, outputBuffer[i]) == 1;
        }
    }

    private static int Occurrences(IReadOnlyList<int> buffers, int buffer)
    {
        int n = 0;
        for (int i = 0; i < buffers.Count; i++) n += buffers[i] == buffer ? 1 : 0;
        return n;
    }

    /// <summary>
    /// The kernel program this executable runs (buffers, kernels, outputs), for inspection and tests; gone once
    /// <see cref="ReleaseInspection"/> has run.
    /// </summary>
    public KernelProgram Program => program ?? throw Released();

    /// <summary>
    /// Drops the kernel program and the kernels' expression trees, which only <see cref="Describe"/> and
    /// <see cref="Program"/> use: running needs neither (the compiled code, the interpreted kernels' evaluators and the
    /// flat buffer tables are kept). The JIT cache calls it on what it keeps, so a cached program of thousands of
    /// kernels does not also hold its kernel IR.
    /// </summary>
    public void ReleaseInspection()
    {
        program = null;
        lambdas = null;
    }

    private static InvalidOperationException Released() => new(
        "cpu: this executable's kernel program and code were released to save memory (it is cached for running); " +
        "Jit.Lower(f, args) compiles a copy that keeps every stage for inspection");

    /// <summary>Which compiler produced each kernel (FEC silently declines some trees; tests check it did not).</summary>
    public IReadOnlyList<CpuCompiler> CompiledBy => compiledBy;

    /// <summary>Per kernel, whether it runs vector code (a vectorised innermost loop or the blocked GEMM).</summary>
    public IReadOnlyList<bool> Vectorized { get; internal init; } = [];

    /// <summary>Per kernel, how many threads it is split across (1: runs on the caller's thread).</summary>
    public int Threads(int kernel) => steps[kernel].Chunks;

    /// <summary>Runs on host arrays and returns newly allocated output arrays (tests and host kernels use it).</summary>
    public Array[] Run(Array[] inputs)
    {
        var outputs = new Array[outputBuffer.Length];
        Run(inputs, outputs);
        return outputs;
    }

    /// <summary>As <see cref="Run(Array[])"/>, writing the output arrays into <paramref name="outputs"/>.</summary>
    public void Run(Array[] inputs, Span<Array> outputs)
    {
        CheckCounts(inputs.Length, outputs.Length);
        var buffers = Interlocked.Exchange(ref idle, null) ?? NewTable();
        try
        {
            var table = buffers.AsSpan();
            for (int i = 0; i < inputs.Length; i++) table[inputBuffer[i]] = CheckInput(i, inputs[i]);
            Execute(buffers);
            for (int i = 0; i < outputs.Length; i++) outputs[i] = table[outputBuffer[i]];
        }
        finally
        {
            Release(buffers);
        }
    }

    /// <summary>The backend contract: host storages in, new host storages out.</summary>
    public void Run(ReadOnlySpan<Storage> inputs, Span<Storage> outputs)
    {
        CheckCounts(inputs.Length, outputs.Length);
        var buffers = Interlocked.Exchange(ref idle, null) ?? NewTable();
        try
        {
            var table = buffers.AsSpan();
            for (int i = 0; i < inputs.Length; i++)
            {
                if (inputs[i] is not HostStorage host || !ReferenceEquals(host.Device, Device.Cpu))
                    throw new ArgumentException($"cpu: input {i} lives on {inputs[i].Device}, not on the cpu; move it with To(Device.Cpu)");
                table[inputBuffer[i]] = CheckInput(i, host.Data);
            }
            Execute(buffers);
            for (int i = 0; i < outputs.Length; i++)
            {
                var output = new HostStorage(table[outputBuffer[i]], outputTypes[i], Device.Cpu);
                if (lendOutput[i]) HostArrayPool.Lend(output);
                outputs[i] = output;
            }
        }
        finally
        {
            Release(buffers);
            // The kernels read the inputs' arrays, not their storages: without this the garbage collector could find an
            // input storage unreachable mid-call and the pool hand its array to this call's outputs.
            for (int i = 0; i < inputs.Length; i++) GC.KeepAlive(inputs[i]);
        }
    }

    private void CheckCounts(int inputs, int outputs)
    {
        if (outputs != outputBuffer.Length)
            throw new ArgumentException($"expected room for {outputBuffer.Length} outputs, got {outputs}");
        if (inputs != inputBuffer.Length)
            throw new ArgumentException($"expected {inputBuffer.Length} inputs, got {inputs}");
    }

    private Array CheckInput(int i, Array x)
    {
        if (x.Length != inputLength[i] || DTypeExtensions.OfArray(x) != inputType[i])
            throw new ArgumentException(
                $"input {i}: expected {inputType[i].ShortName()}[{inputLength[i]} elements], got {x.GetType().Name} of {x.Length}");
        return x;
    }

    /// <summary>Allocates the outputs and runs every kernel over a table whose inputs are in place.</summary>
    private void Execute(Array[] buffers)
    {
        var table = buffers.AsSpan();
        for (int i = 0; i < freshBuffers.Length; i++) table[freshBuffers[i]] = NewOutput(freshTypes[i], freshLengths[i], freshZeroed[i]);
        foreach (var run in runs) run.Step.Run(run.Code, buffers);
    }

    /// <summary>Hands the table to the next call; it must not keep the caller's arrays alive.</summary>
    private void Release(Array[] buffers)
    {
        foreach (int id in inputBuffer) buffers[id] = null!;
        foreach (int id in freshBuffers) buffers[id] = null!;
        Volatile.Write(ref idle, buffers);
    }

    /// <summary>
    /// True when the first kernel writing <paramref name="buffer"/> stores to all of it (a skipped zero fill does not
    /// count: it relies on the fresh array's zeros).
    /// </summary>
    private static bool FirstWriteOverwrites(KernelProgram p, bool[] skip, int buffer, int length)
    {
        for (int k = 0; k < p.Kernels.Count; k++)
        {
            if (p.Kernels[k].Output == buffer) return !skip[k] && p.Kernels[k].OverwritesOutput(length);
        }
        return false;
    }

    /// <summary>
    /// An output array: one that a disposed tensor gave back when there is one of this dtype and length, else a new
    /// one. Zeroing a large array costs as much as a simple kernel writing it (about 4 ms for 40 MB), so an output the
    /// first kernel overwrites completely is allocated (or reused) without zeroing.
    /// </summary>
    private static Array NewOutput(DType dtype, int length, bool zeroed)
    {
        if (HostArrayPool.TryRent(dtype, length, out var reused))
        {
            if (zeroed) Array.Clear(reused);
            return reused;
        }
        return NewArray(dtype, length, zeroed);
    }

    private static Array NewArray(DType dtype, int length, bool zeroed) => zeroed ? dtype.NewArray(length) : dtype switch
    {
        DType.Float32 => GC.AllocateUninitializedArray<float>(length),
        DType.Float64 => GC.AllocateUninitializedArray<double>(length),
        DType.Int32 => GC.AllocateUninitializedArray<int>(length),
        _ => dtype.NewArray(length),
    };

    /// <summary>A buffer table with constants and temporaries (one array per planned slot) in place.</summary>
    private Array[] NewTable()
    {
        var buffers = new Array[bufferCount];   // inputs and outputs stay null: set per call
        var slots = new Array[plan.SlotLengths.Count];
        for (int s = 0; s < slots.Length; s++) slots[s] = plan.SlotTypes[s].NewArray(plan.SlotLengths[s]);
        for (int b = 0; b < bufferCount; b++)
        {
            int slot = plan.SlotOf[b];
            if (slot >= 0) buffers[b] = slots[slot];
        }
        for (int i = 0; i < constantBuffers.Length; i++) buffers[constantBuffers[i]] = constantData[i];
        for (int i = 0; i < looseBuffers.Length; i++) buffers[looseBuffers[i]] = looseTypes[i].NewArray(looseLengths[i]);
        return buffers;
    }

    /// <summary>
    /// Zero fills of outputs (fresh arrays, which .NET already zeroes) are skipped when nothing wrote the output
    /// before. Temporaries are always filled: their storage is reused from call to call.
    /// </summary>
    internal static bool[] RedundantZeroFills(KernelProgram p)
    {
        var skip = new bool[p.Kernels.Count];
        var written = new bool[p.Buffers.Count];
        for (int i = 0; i < skip.Length; i++)
        {
            var k = p.Kernels[i];
            var b = p.Buffers[k.Output];
            skip[i] = b.Kind == BufferKind.Output && !written[k.Output] && k is LoopKernel { Body: ConstExpr { Value: 0 }, Mode: WriteMode.Store, ReduceOp: null };
            written[k.Output] = true;
        }
        return skip;
    }

    /// <summary>
    /// The kernel program followed by each kernel's generated code as C#-like text, with notes on which kernels were
    /// skipped, vectorised, split across threads or merged into one method: for debugging and performance work.
    /// </summary>
    public string Describe()
    {
        if (program is null || lambdas is null) return Released().Message + "\n";
        var sb = new StringBuilder(program.ToString());
        for (int b = 0; b < plan.SlotOf.Count; b++)
        {
            if (plan.SlotOf[b] >= 0) sb.Append("  b").Append(b).Append(" -> slot ").Append(plan.SlotOf[b]).Append('\n');
        }
        for (int i = 0; i < lambdas.Length; i++)
        {
            var k = Program.Kernels[i];
            sb.Append("\n// k").Append(i).Append(": ").Append(k.Label);
            if (skip[i]) sb.Append(" (skipped: fresh outputs are zeroed)");
            if (compiledBy[i] == CpuCompiler.System) sb.Append(" (compiled by System.Linq.Expressions)");
            if (Vectorized.Count > i && Vectorized[i]) sb.Append(" (vectorised)");
            if (steps[i].Chunks > 1) sb.Append(" (").Append(steps[i].Chunks).Append(" threads)");
            if (runOf[i] >= 0) sb.Append(" (method ").Append(runOf[i]).Append(')');
            if (lambdas[i] is { } lambda) sb.Append('\n').Append(lambda.ToCSharpString()).Append('\n');
            else sb.Append(" (interpreted)\n").Append(k).Append('\n');
        }
        return sb.ToString();
    }
}
