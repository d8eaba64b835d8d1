using System.Collections.Concurrent;

namespace Tracer.Compiler;

/// <summary>
/// Maps each <see cref="Device"/> to the backend that owns its storage and compiles for it. The front end registers
/// the CPU and the reference interpreter; an accelerator runtime registers its devices when they are first asked for.
/// </summary>
public static class BackendRegistry
{
    private static readonly ConcurrentDictionary<Device, IBackend> Backends = new();

    /// <summary>Registers (or replaces) the backend of <paramref name="backend"/>'s device.</summary>
    public static void Register(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Backends[backend.Device] = backend;
    }

    /// <summary>
    /// Looks up the backend of <paramref name="device"/> without throwing: false (and <paramref name="backend"/>
    /// unset) when none is registered, e.g. a CUDA device before Tracer.Runtime.Cuda registered it.
    /// </summary>
    public static bool TryGet(Device device, out IBackend backend) => Backends.TryGetValue(device, out backend!);

    /// <summary>The backend of <paramref name="device"/>, or a <see cref="NotSupportedException"/> that says which devices exist.</summary>
    public static IBackend Get(Device device)
    {
        if (Backends.TryGetValue(device, out var backend)) return backend;
        throw new NotSupportedException(
            $"no backend is registered for device {device}; known devices: {string.Join(", ", Backends.Keys)}. " +
            "CUDA devices come from Tracer.Runtime.Cuda (CudaRuntime.Device(i)), which registers them when asked for one.");
    }
}
