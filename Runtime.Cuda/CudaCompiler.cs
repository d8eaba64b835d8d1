using System.Linq.Expressions;
using System.Reflection;
using ILGPU;
using Kernel = Tracer.Compiler.Lowering.Kernel;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Runtime.Cpu;

namespace Tracer.Runtime.Cuda;

/// <summary>One step of a compiled device program.</summary>
internal abstract class DeviceStep(Kernel kernel, int index)
{
    private Kernel? kernel = kernel;
    private string? label;

    /// <summary>The kernel IR of this step, until <see cref="ReleaseInspection"/>.</summary>
    public Kernel Kernel => kernel ?? throw new InvalidOperationException($"cuda: kernel k{Index}'s IR was released (the program is cached for running)");

    /// <summary>The kernel's label for messages ("%12 reduce_sum"), kept after the IR is released.</summary>
    public string Label => label ?? CudaCompiler.Label(Kernel);

    public int Index { get; } = index;

    /// <summary>Drops the kernel IR (and a launch's expression tree), keeping what running and error messages need.</summary>
    public virtual void ReleaseInspection()
    {
        label = Label;
        kernel = null;
    }

    /// <summary>How the step runs, for the printed program ("1024 threads", "host: scan"...).</summary>
    public abstract string Describe();
}

/// <summary>A generated kernel launched with one thread per independent output point.</summary>
internal sealed class LaunchStep(Kernel kernel, int index, GeneratedKernel code) : DeviceStep(kernel, index)
{
    /// <summary>The launch shape and buffers; its expression tree is gone after <see cref="ReleaseInspection"/>.</summary>
    public GeneratedKernel Code { get; private set; } = code;

    public MethodInfo Method { get; set; } = null!;

    /// <inheritdoc/>
    public override void ReleaseInspection()
    {
        base.ReleaseInspection();
        Code = Code with { Lambda = null };
    }

    public ILGPU.Runtime.Kernel Loaded { get; set; } = null!;

    public override string Describe() => "launch " + Code.Shape;

    /// <summary>How ILGPU sees the entry point (block reductions group their threads explicitly).</summary>
    public ILGPU.Backends.EntryPoints.EntryPointDescription Entry =>
        Code.GroupSize > 0
            ? ILGPU.Backends.EntryPoints.EntryPointDescription.FromExplicitlyGroupedKernel(Method)
            : ILGPU.Backends.EntryPoints.EntryPointDescription.FromImplicitlyGroupedKernel(Method);
}

/// <summary>A matrix product through our tiled GEMM kernel (<see cref="GemmKernels"/>), batch on grid z.</summary>
internal sealed class GemmStep : DeviceStep
{
    public GemmStep(MatMulKernel mm, int index, CudaBackend backend) : base(mm, index)
    {
        MatMul = mm;
        Shape = new GemmShape(mm.M, mm.N, mm.K, mm.A.RowStride, mm.A.ColStride, mm.B.RowStride, mm.B.ColStride, mm.C.RowStride, mm.C.ColStride);
        int count = 1;
        foreach (int d in mm.Batch) count *= d;
        Batch = count;
        // Per batch element, the offsets of its A, B and C matrices (row-major over the batch shape).
        var offsets = new int[Math.Max(3 * count, 3)];
        var at = new int[mm.Batch.Length];
        for (int z = 0; z < count; z++)
        {
            int a = mm.A.Offset, b = mm.B.Offset, c = mm.C.Offset;
            for (int d = 0; d < at.Length; d++)
            {
                a += at[d] * mm.A.BatchStrides[d];
                b += at[d] * mm.B.BatchStrides[d];
                c += at[d] * mm.C.BatchStrides[d];
            }
            (offsets[3 * z], offsets[3 * z + 1], offsets[3 * z + 2]) = (a, b, c);
            for (int d = at.Length - 1; d >= 0 && ++at[d] == mm.Batch[d]; d--) at[d] = 0;
        }
        Offsets = (DeviceStorage)backend.FromHost(offsets);
        int threads = backend.IsEmulator ? 4 : GemmKernels.MaxThreads;
        Config = mm.DType == DType.Float32 ? GemmKernels.ConfigF32(Shape, count, threads) : GemmKernels.ConfigF64(Shape, count, threads);
        Loaded = backend.Gemm(mm.DType);
    }

    public MatMulKernel MatMul { get; }

    public GemmShape Shape { get; }

    public int Batch { get; }

    /// <summary>The offsets table on the device, owned by the program.</summary>
    public DeviceStorage Offsets { get; }

    public ILGPU.KernelConfig Config { get; }

    public ILGPU.Runtime.Kernel Loaded { get; }

    public override string Describe() =>
        $"gemm {MatMul.DType.ShortName()} grid {Config.GridDim} x group {Config.GroupDim}" + (Batch > 1 ? $", batch {Batch} on grid z" : "");
}

/// <summary>A step the host runs: a control-flow construct or a linear-algebra primitive (data copied across).</summary>
internal sealed class HostStep(Kernel kernel, int index, Action<Array[]> run, int[] inputs, (int Index, int Buffer)[] results, string what)
    : DeviceStep(kernel, index)
{
    public Action<Array[]> Run { get; } = run;

    public int[] Inputs { get; } = inputs;

    public (int Index, int Buffer)[] Results { get; } = results;

    public override string Describe() => "host: " + what;
}

/// <summary>
/// Compiles a <see cref="LoweredProgram"/> for a <see cref="CudaBackend"/>: each loop kernel (and each matmul, as its
/// reduction loop) becomes a generated ILGPU kernel; control flow and linear algebra run on the host, calling
/// device programs compiled the same way for the bodies.
/// </summary>
internal static class CudaCompiler
{
    public static CudaExecutable Compile(CudaBackend backend, LoweredProgram lowered)
    {
        var program = lowered.Kernels ?? throw new ArgumentException($"{backend.Name}: the program was not lowered to kernels");
        var checks = new List<(string What, int Extent)>();
        var steps = new List<DeviceStep>();
        var launches = new List<LaunchStep>();
        for (int i = 0; i < program.Kernels.Count; i++)
        {
            switch (program.Kernels[i])
            {
                case HostKernel { Results: null }:
                case HostOpKernel { Results: null }:
                    continue;   // the construct's first kernel writes every result
                case HostKernel host:
                    steps.Add(ControlFlow(backend, lowered, host, i));
                    break;
                case HostOpKernel linalg:
                    // conv (im2col + GEMM), linear algebra, cumsum and argsort run on the host, as on the CPU backend
                    var run = linalg.Equation.Op.Kind() == OpKind.Conv
                        ? ConvKernels.Compile(linalg, VectorCodegen.Best, Environment.ProcessorCount)
                        : SequenceKernels.CompileHostOp(linalg, VectorCodegen.Best, Environment.ProcessorCount);
                    steps.Add(new HostStep(linalg, i, run, linalg.Inputs, linalg.Results!, linalg.Equation.Op.Name()));
                    break;
                case LoopKernel loop:
                    launches.Add(new LaunchStep(loop, i, KernelEmitter.Emit(loop, program.Buffers, checks, backend.Limits)));
                    steps.Add(launches[^1]);
                    break;
                case MatMulKernel mm when mm.DType is DType.Float32 or DType.Float64:
                    steps.Add(new GemmStep(mm, i, backend));
                    break;
                case MatMulKernel mm:
                    launches.Add(new LaunchStep(mm, i, KernelEmitter.Emit(mm.ToLoopKernel(), program.Buffers, checks, backend.Limits)));
                    steps.Add(launches[^1]);
                    break;
                case var k:
                    throw new NotSupportedException($"{backend.Name}: kernel {k.GetType().Name} is not supported");
            }
        }
        var methods = KernelAssembly.Define(launches.ConvertAll(l => (l.Index, l.Code.Lambda!)));
        for (int i = 0; i < methods.Length; i++) launches[i].Method = backend.ReplaceKernel?.Invoke(methods[i]) ?? methods[i];
        lock (backend.Gate)
        {
            backend.Accelerator.Bind();
            foreach (var launch in launches) launch.Loaded = Load(backend, launch);
        }
        return new CudaExecutable(backend, program, [.. steps], [.. checks]);
    }

    /// <summary>
    /// Compiles one kernel with ILGPU. A failure names the kernel and the primitives it computes, and clears ILGPU's
    /// caches: an internal compiler error would otherwise leave the context unusable for every later compile.
    /// </summary>
    private static ILGPU.Runtime.Kernel Load(CudaBackend backend, LaunchStep launch)
    {
        try
        {
            // On the emulator a small fixed group: each simulated thread is an OS thread, and a group waits for all of its
            // threads; a GPU picks the group size that fills its multiprocessors.
            if (launch.Code.GroupSize > 0) return backend.Accelerator.LoadKernel(launch.Method)!;
            return backend.IsEmulator
                ? backend.Accelerator.LoadImplicitlyGroupedKernel(launch.Method, EmulatorGroupSize)!
                : backend.Accelerator.LoadAutoGroupedKernel(launch.Method)!;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            backend.Context.ClearCache(ClearCacheMode.Everything);
            throw new NotSupportedException(
                $"{backend.Name}: ILGPU could not compile kernel k{launch.Index} ({launch.Label}): {Innermost(e).Message}", e);
        }
    }

    /// <summary>Threads per group of generated kernels on the emulator.</summary>
    private const int EmulatorGroupSize = 16;

    public static string Label(Kernel kernel) => kernel.Label.Length > 0 ? kernel.Label : kernel.ToString() ?? "";

    public static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>A scan, while or switch: bodies compiled for the same device, the loop driven by the host.</summary>
    private static HostStep ControlFlow(CudaBackend backend, LoweredProgram lowered, HostKernel host, int index)
    {
        var eq = host.Equation;
        var def = eq.Attrs.Control ?? throw new NotSupportedException($"{backend.Name}: {eq.Op.Name()} has no definition");
        var bodies = new Dictionary<Graph, CudaExecutable>(ReferenceEqualityComparer.Instance);
        foreach (var g in def.SubGraphs()) bodies[g] = Compile(backend, lowered.Body(g));
        var results = host.Results!;
        void Run(Array[] table)
        {
            var args = new Array[host.Inputs.Length];
            for (int i = 0; i < args.Length; i++) args[i] = table[host.Inputs[i]];
            var values = def.Run(args, (g, a) => bodies[g].RunOnHostArrays(a));
            foreach (var (i, buffer) in results) Array.Copy(values[i], table[buffer], values[i].Length);
        }
        return new HostStep(host, index, Run, host.Inputs, results, eq.Op.Name() + " (bodies on the device)");
    }
}
