using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// Discovers CUDA devices through ILGPU. The CUDA backend itself (kernels, buffers, transfers) builds on this; with
/// no GPU present every request for a device fails with an error that says so, never a crash.
/// </summary>
public static class CudaRuntime
{
    private static readonly Lazy<int> Count = new(CountDevices);

    /// <summary>Number of CUDA devices visible to this process (0 without a GPU or driver).</summary>
    public static int DeviceCount => Count.Value;

    /// <summary>The CUDA device <paramref name="index"/>, or an error explaining that none is present.</summary>
    public static Device Device(int index = 0)
    {
        if (DeviceCount == 0)
        {
            throw new InvalidOperationException(
                "no CUDA GPU is present (ILGPU found no CUDA device or driver on this machine); use Device.Cpu, " +
                "which needs no set-up");
        }
        if (index < 0 || index >= DeviceCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"CUDA device {index} does not exist; {DeviceCount} present");
        return new Device("cuda", index);
    }

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
