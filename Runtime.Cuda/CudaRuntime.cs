using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Tracer.Compiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// CUDA devices through ILGPU (Flux's <c>gpu</c>): <c>tensor.To(CudaRuntime.Device())</c> moves data to the GPU, and
/// operations and compiled functions then run there. <see cref="Emulator"/> runs the very same generated kernels on
/// ILGPU's CPU accelerator, so GPU code paths can be tested on machines without a GPU. With no GPU present, asking
/// for a CUDA device fails with an error that says so, never a crash.
/// </summary>
public static class CudaRuntime
{
    private static readonly Lazy<int> Count = new(CountDevices);
    private static readonly Lazy<CudaBackend> EmulatorBackend = new(CreateEmulator);
    private static readonly Dictionary<int, CudaBackend> Gpus = [];

    /// <summary>Number of CUDA devices visible to this process (0 without a GPU or driver).</summary>
    public static int DeviceCount => Count.Value;

    /// <summary>The CUDA device <paramref name="index"/> (its backend is created and registered on first use), or an error explaining that none is present.</summary>
    public static Device Device(int index = 0) => Backend(index).Device;

    /// <summary>
    /// A device that runs the generated GPU kernels on ILGPU's CPU accelerator: each simulated GPU thread is a CPU
    /// thread, so it is slow (use small tensors), but it exercises the same code generation, memory management and
    /// launches as a GPU. For tests and for trying GPU code on a laptop.
    /// </summary>
    public static Device Emulator => EmulatorBackend.Value.Device;

    /// <summary>The backend of the emulator (for inspection and tests).</summary>
    public static CudaBackend EmulatorDevice => EmulatorBackend.Value;

    /// <summary>The backend of CUDA device <paramref name="index"/>, created and registered on first use.</summary>
    public static CudaBackend Backend(int index = 0)
    {
        if (DeviceCount == 0)
        {
            throw new InvalidOperationException(
                "no CUDA GPU is present (ILGPU found no CUDA device or driver on this machine); use Device.Cpu, " +
                "which needs no set-up, or CudaRuntime.Emulator to run the GPU code paths on the CPU");
        }
        if (index < 0 || index >= DeviceCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"CUDA device {index} does not exist; {DeviceCount} present");
        lock (Gpus)
        {
            if (Gpus.TryGetValue(index, out var backend)) return backend;
            var context = Context.Create(builder => Configure(builder.Cuda()));
            var accelerator = context.CreateCudaAccelerator(index);
            backend = new CudaBackend(new Device("cuda", index), context, accelerator, emulated: false);
            BackendRegistry.Register(backend);
            Gpus[index] = backend;
            return backend;
        }
    }

    private static CudaBackend CreateEmulator() => CreateEmulator(0);

    /// <summary>A further emulator device, <c>cuda-emulator:<paramref name="index"/></c>, with its own context (tests).</summary>
    internal static CudaBackend CreateEmulator(int index)
    {
        var context = Context.Create(builder => Configure(builder.CPU()));
        var accelerator = context.CreateCPUAccelerator(0);
        var backend = new CudaBackend(new Device("cuda-emulator", index), context, accelerator, emulated: true);
        BackendRegistry.Register(backend);
        return backend;
    }

    /// <summary>
    /// What every context needs: ILGPU.Algorithms' math functions (PTX has no exp, log, sin... of its own), and the
    /// coefficient tables of the shared scalar functions (lgamma's, say: static readonly arrays, which .NET cannot
    /// make immutable) inlined into the kernels as constants.
    /// </summary>
    private static Context.Builder Configure(Context.Builder builder) =>
        builder.Math(MathMode.Default).Arrays(ArrayMode.InlineMutableStaticArrays).EnableAlgorithms();

    private static int CountDevices()
    {
        try
        {
            using var context = Context.Create(builder => builder.Cuda());
            return context.GetCudaDevices().Count;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException)
        {
            return 0;
        }
    }
}
