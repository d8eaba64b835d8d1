using System.Text;
using FastExpressionCompiler;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// A kernel program compiled for one device. A call binds device buffers (inputs as given, outputs and temporaries from
/// the pool, constants uploaded once), launches the steps in order on the program's own stream and hands the
/// temporaries back. The host waits for that stream only where it reads device data (a host step's inputs, the index
/// checks) or when the device moves on to another stream. Index checks of gathers are recorded on the device and turned into an exception after the call.
/// </summary>
internal sealed class CudaExecutable : IExecutable
{
    private readonly CudaBackend backend;
    private KernelProgram? program;       // null once released (see ReleaseInspection)
    private readonly BufferLayout[] layout; // what running needs of the program's buffers, kept after the release
    private readonly int[] inputIds, outputIds;
    private readonly DeviceStep[] steps;
    private readonly (string What, int Extent)[] checks;
    private readonly DeviceStorage?[] constants;
    private readonly bool[] zeroFirst;
    private string? ptx;
    private AcceleratorStream? stream;

    public CudaExecutable(CudaBackend backend, KernelProgram program, DeviceStep[] steps, (string What, int Extent)[] checks)
    {
        this.backend = backend;
        this.program = program;
        this.steps = steps;
        layout = new BufferLayout[program.Buffers.Count];
        foreach (var b in program.Buffers) layout[b.Id] = new BufferLayout(b.Kind, b.DType, b.Length, b.Index);
        inputIds = [.. program.Inputs];
        outputIds = [.. program.Outputs];
        this.checks = checks;
        constants = new DeviceStorage?[program.Buffers.Count];
        foreach (var b in program.Buffers)
        {
            if (b.Kind != BufferKind.Constant) continue;
            constants[b.Id] = (DeviceStorage)backend.FromHost(b.Data!);   // owned by the program: never returned to the pool
        }
        zeroFirst = new bool[program.Buffers.Count];
        var written = new bool[program.Buffers.Count];
        foreach (var k in program.Kernels)
        {
            if (written[k.Output]) continue;
            written[k.Output] = true;
            zeroFirst[k.Output] = !k.OverwritesOutput(program.Buffers[k.Output].Length);
        }
    }

    /// <summary>The kernel program, for inspection and tests; gone once <see cref="ReleaseInspection"/> has run.</summary>
    public KernelProgram Program => program ?? throw Released();

    /// <summary>
    /// Drops the kernel program (its kernels' expressions and the host copies of its constants, which are on the
    /// device already), each launch's expression tree and the PTX text: running needs none of them. The JIT cache
    /// calls it on what it keeps.
    /// </summary>
    public void ReleaseInspection()
    {
        program = null;
        ptx = null;
        foreach (var step in steps) step.ReleaseInspection();
    }

    private static InvalidOperationException Released() => new(
        "cuda: this executable's kernel program and code were released to save memory (it is cached for running); " +
        "Jit.Lower(f, args) compiles a copy that keeps every stage for inspection");

    /// <summary>One buffer of the program as a call binds it.</summary>
    private readonly record struct BufferLayout(BufferKind Kind, DType DType, int Length, int Index);

    public void Run(ReadOnlySpan<Storage> inputs, Span<Storage> outputs)
    {
        if (inputs.Length != inputIds.Length) throw new ArgumentException($"expected {inputIds.Length} inputs, got {inputs.Length}");
        if (outputs.Length != outputIds.Length) throw new ArgumentException($"expected room for {outputIds.Length} outputs, got {outputs.Length}");
        var table = new DeviceStorage?[layout.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var s = backend.Own(inputs[i], $"run input {i}");
            var info = layout[inputIds[i]];
            if (s.Length != info.Length || s.DType != info.DType)
                throw new ArgumentException($"{backend.Name}: input {i}: expected {info.DType.ShortName()}[{info.Length} elements], got {s.DType.ShortName()}[{s.Length}]");
            table[inputIds[i]] = s;
        }
        lock (backend.Gate)
        {
            backend.Accelerator.Bind();
            Execute(table);
        }
        for (int i = 0; i < outputs.Length; i++) outputs[i] = table[outputIds[i]]!;
    }

    /// <summary>Uploads host arrays, runs, downloads the outputs (control-flow bodies run this way from the host loop).</summary>
    public Array[] RunOnHostArrays(Array[] inputs)
    {
        lock (backend.Gate)
        {
            // The uploads, the kernels and the downloads all on this program's stream.
            backend.Accelerator.Bind();
            backend.Enter(Stream);
        }
        var storages = new Storage[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) storages[i] = backend.FromHost(inputs[i]);
        var outputs = new Storage[outputIds.Length];
        Run(storages, outputs);
        var result = new Array[outputs.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = backend.ToHost(outputs[i]);
            backend.Release(outputs[i]);
        }
        foreach (var s in storages) backend.Release(s);
        return result;
    }

    /// <summary>Allocates outputs and temporaries, runs every step, releases temporaries. Caller holds the gate.</summary>
    private void Execute(DeviceStorage?[] table)
    {
        var stream = backend.Enter(Stream);
        for (int id = 0; id < layout.Length; id++)
        {
            var b = layout[id];
            if (b.Kind == BufferKind.Constant) table[id] = constants[id];
            else if (b.Kind is BufferKind.Output or BufferKind.Temporary)
            {
                var s = backend.Allocate(b.DType, b.Length, b.Kind == BufferKind.Output ? $"output {b.Index}" : "a temporary");
                if (zeroFirst[id]) ElementOps.For(b.DType).Zero(stream, s.View);
                table[id] = s;
            }
        }
        DeviceStorage? errors = null;
        if (checks.Length > 0)
        {
            errors = backend.Allocate(DType.Int32, 2, "index checks");
            ElementOps.For(DType.Int32).Zero(stream, errors.View);
        }
        try
        {
            foreach (var step in steps)
            {
                // A host step's bodies run on their own programs' streams: come back to this one (the host has waited).
                backend.Enter(stream);
                if (step is LaunchStep launch) Launch(launch, stream, table, errors);
                else if (step is GemmStep gemm) Gemm(gemm, stream, table);
                else RunOnHost((HostStep)step, stream, table);
            }
            if (errors is not null)
            {
                backend.Enter(stream);
                var code = (int[])ElementOps.For(DType.Int32).Download(stream, errors.View, 2);
                backend.Wait();
                if (code[0] != 0)
                {
                    // The message of the CPU backend and the reference implementation, so eager and compiled calls fail alike.
                    var (what, extent) = checks[code[0] - 1];
                    throw new ArgumentOutOfRangeException("indices",
                        $"{what}: index {code[1]} is out of range for an axis of size {extent}; indices must be in [0, {extent}) " +
                        "(negative indices are not supported)");
                }
            }
        }
        catch
        {
            for (int id = 0; id < layout.Length; id++)
            {
                if (layout[id].Kind == BufferKind.Output && table[id] is { } s) backend.Release(s);
            }
            throw;
        }
        finally
        {
            if (errors is not null) backend.Release(errors);
            for (int id = 0; id < layout.Length; id++)
            {
                if (layout[id].Kind == BufferKind.Temporary && table[id] is { } s) backend.Release(s);
            }
        }
    }

    /// <summary>This program's own stream, created on its first call (caller holds the gate).</summary>
    internal AcceleratorStream Stream => stream ??= backend.Accelerator.CreateStream();

    private void Launch(LaunchStep launch, AcceleratorStream stream, DeviceStorage?[] table, DeviceStorage? errors)
    {
        var code = launch.Code;
        if (code.Threads == 0) return;
        var args = new object[code.Buffers.Length + (code.UsesErrors ? 1 : 0)];
        int a = 0;
        if (code.UsesErrors) args[a++] = errors!.View;
        foreach (int b in code.Buffers) args[a++] = table[b]!.View;
        try
        {
            if (code.GroupSize > 0) launch.Loaded.Launch(stream, new KernelConfig(code.Threads, code.GroupSize), args);
            else launch.Loaded.Launch(stream, new Index1D(code.Threads), args);
        }
        catch (Exception e) when (e is AcceleratorException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"{backend.Name}: launching kernel k{launch.Index} ({launch.Label}) failed: {e.Message}", e);
        }
    }

    private void Gemm(GemmStep step, AcceleratorStream stream, DeviceStorage?[] table)
    {
        var mm = step.MatMul;
        if (step.Batch == 0 || mm.M == 0 || mm.N == 0) return;
        step.Loaded.Launch(stream, step.Config, table[mm.A.Buffer]!.View, table[mm.B.Buffer]!.View, table[mm.C.Buffer]!.View, step.Offsets.View, step.Shape);
    }

    /// <summary>Copies the step's inputs to the host, runs it there, copies its results back.</summary>
    private void RunOnHost(HostStep step, AcceleratorStream stream, DeviceStorage?[] table)
    {
        var host = new Array[table.Length];
        foreach (int b in step.Inputs)
        {
            var s = table[b]!;
            host[b] ??= ElementOps.For(s.DType).Download(stream, s.View, s.Length);
        }
        backend.Wait();   // the host reads them now
        foreach (var (_, b) in step.Results)
        {
            var info = layout[b];
            host[b] ??= info.DType.NewArray(info.Length);   // unless read as an input too
        }
        step.Run(host);
        backend.Enter(stream);
        foreach (var (_, b) in step.Results) ElementOps.For(layout[b].DType).Upload(stream, table[b]!.View, host[b]);
    }

    public string Describe()
    {
        if (program is null) return Released().Message;
        var sb = new StringBuilder(program.ToString());
        foreach (var step in steps)
        {
            sb.Append("\n// k").Append(step.Index).Append(": ").Append(step.Label).Append(" (").Append(step.Describe()).Append(")\n");
            if (step is LaunchStep launch) sb.Append(launch.Code.Lambda.ToCSharpString()).Append('\n');
        }
        sb.Append("\n// PTX (").Append(PtxTarget(out var arch)).Append(")\n").Append(ptx ??= Ptx(arch));
        return sb.ToString();
    }

    /// <summary>The architecture PTX is generated for: the device's own, or SM_90 (H100/H200) for the emulator.</summary>
    private string PtxTarget(out CudaArchitecture arch)
    {
        arch = backend.Accelerator is CudaAccelerator cuda ? cuda.Architecture : CudaArchitecture.SM_90;
        return arch.ToString();
    }

    /// <summary>
    /// Every generated kernel compiled to PTX, whatever the device (the emulator included): what a GPU would run.
    /// A kernel ILGPU cannot compile is an error naming it and its primitives.
    /// </summary>
    public string Ptx(CudaArchitecture arch)
    {
        var sb = new StringBuilder();
        lock (backend.Gate)
        {
            using var ptxBackend = new PTXBackend(backend.Context, arch, CudaInstructionSet.ISA_80, null!);
            foreach (var step in steps)
            {
                var entry = step switch
                {
                    LaunchStep launch => launch.Entry,
                    GemmStep gemm => EntryPointDescription.FromExplicitlyGroupedKernel(
                        typeof(GemmKernels).GetMethod(gemm.MatMul.DType == DType.Float32 ? nameof(GemmKernels.GemmF32) : nameof(GemmKernels.GemmF64))!),
                    _ => (EntryPointDescription?)null,
                };
                if (entry is not { } description) continue;
                try
                {
                    var compiled = (PTXCompiledKernel)ptxBackend.Compile(description, default);
                    sb.Append("// k").Append(step.Index).Append('\n').Append(compiled.PTXAssembly).Append('\n');
                }
                catch (Exception e)
                {
                    backend.Context.ClearCache(ClearCacheMode.Everything);
                    throw new NotSupportedException(
                        $"{backend.Name}: ILGPU could not compile kernel k{step.Index} ({step.Label}) to PTX: {CudaCompiler.Innermost(e).Message}", e);
                }
            }
        }
        return sb.ToString();
    }
}
