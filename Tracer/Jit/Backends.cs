using Tracer.Compiler;
using Tracer.Runtime.Cpu;

namespace Tracer;

/// <summary>
/// The front end's view of the device registry: the CPU (the embedded default, configured by <see cref="Jit.Config"/>)
/// and the reference interpreter are registered on first use; accelerator runtimes register their own devices.
/// </summary>
internal static class Backends
{
    private static volatile CpuBackend cpu = new(CpuBackendOptions.Default);   // TRACER_CPU_THREADS or all cores

    static Backends()
    {
        BackendRegistry.Register(cpu);
        BackendRegistry.Register(new Interpreter(Dispatch.Rules, Device.Reference));
    }

    /// <summary>The CPU backend as currently configured.</summary>
    public static CpuBackend Cpu => cpu;

    /// <summary>The backend owning <paramref name="device"/>'s storage.</summary>
    public static IBackend For(Device device) =>
        ReferenceEquals(device, Device.Cpu) ? cpu : BackendRegistry.Get(device);

    /// <summary>Replaces the CPU backend (new options apply to what is compiled from now on).</summary>
    public static void ConfigureCpu(CpuBackendOptions options)
    {
        cpu = new CpuBackend(options);
        BackendRegistry.Register(cpu);
    }

    /// <summary>The pipeline options for a compile on <paramref name="backend"/> under the current configuration.</summary>
    public static PipelineOptions Pipeline(IBackend backend)
    {
        var config = Jit.Config;
        var options = backend is CpuBackend c ? c.PipelineOptions() : new PipelineOptions(backend);
        return options with { Verify = config.VerifyStages, DumpDirectory = config.DumpDirectory };
    }
}
