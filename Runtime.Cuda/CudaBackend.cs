using ILGPU;
using ILGPU.Runtime;
using Tracer.Compiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// The backend of one CUDA device (or of the emulator, ILGPU's CPU accelerator running the same kernels): device
/// storage, host transfers, a buffer pool, and the code generator that compiles lowered kernel programs to ILGPU
/// kernels. Each compiled program queues its kernels and copies on a stream of its own; device operations are
/// issued under one lock, and the host waits for a stream before work moves to another (see <see cref="Enter"/>),
/// so a call's kernels and copies never race with another's.
/// </summary>
public sealed class CudaBackend : IBackend, IDisposable
{
    private readonly BufferPool pool = new();

    internal CudaBackend(Device device, Context context, Accelerator accelerator, bool emulated)
    {
        Device = device;
        Context = context;
        Accelerator = accelerator;
        IsEmulator = emulated;
    }

    /// <inheritdoc/>
    public string Name => IsEmulator ? "cuda-emulator" : "cuda";

    /// <inheritdoc/>
    public Device Device { get; }

    /// <summary>True for ILGPU's CPU accelerator (no GPU needed; slow, for tests).</summary>
    public bool IsEmulator { get; }

    internal Context Context { get; }

    internal Accelerator Accelerator { get; }

    /// <summary>Held around every device operation (ILGPU streams are not thread-safe; kernels run in order).</summary>
    internal object Gate { get; } = new();

    private AcceleratorStream? current;
    private bool queued;

    /// <summary>
    /// The stream the device last queued work on: a compiled program's own while it runs, else the backend's
    /// transfer stream (never ILGPU's default stream). Host copies outside programs go here, behind that work. Caller
    /// holds <see cref="Gate"/>.
    /// </summary>
    internal AcceleratorStream Stream
    {
        get
        {
            queued = true;
            return current ??= Accelerator.CreateStream();
        }
    }

    /// <summary>
    /// Makes <paramref name="stream"/> the one the device works on. ILGPU has no cross-stream events, so when the
    /// previous stream still has work queued (kernels writing what this stream's work may read, or reading buffers
    /// the pool may hand out again) the host waits for it first; a program that runs again and again on its own
    /// stream never waits here. Caller holds <see cref="Gate"/>.
    /// </summary>
    internal AcceleratorStream Enter(AcceleratorStream stream)
    {
        if (!ReferenceEquals(stream, current))
        {
            if (queued && current is not null)
            {
                current.Synchronize();
                StreamSwitchWaits++;
            }
            current = stream;
        }
        queued = true;
        return stream;
    }

    /// <summary>Waits for the device's current stream: the host is about to read what it wrote. Caller holds <see cref="Gate"/>.</summary>
    internal void Wait()
    {
        current?.Synchronize();
        queued = false;
    }

    /// <summary>How often the host waited because work moved from one stream to another (for tests and diagnostics).</summary>
    internal long StreamSwitchWaits { get; private set; }

    private ILGPU.Runtime.Kernel? gemmF32, gemmF64;

    /// <summary>The tiled GEMM kernel of <paramref name="dtype"/> (f32 or f64), compiled on first use.</summary>
    internal ILGPU.Runtime.Kernel Gemm(DType dtype)
    {
        lock (Gate)
        {
            Accelerator.Bind();
            var method = typeof(GemmKernels).GetMethod(dtype == DType.Float32 ? nameof(GemmKernels.GemmF32) : nameof(GemmKernels.GemmF64))!;
            try
            {
                return dtype == DType.Float32 ? gemmF32 ??= Accelerator.LoadKernel(method)! : gemmF64 ??= Accelerator.LoadKernel(method)!;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Context.ClearCache(ClearCacheMode.Everything);
                throw new NotSupportedException($"{Name}: ILGPU could not compile the {dtype.ShortName()} GEMM kernel: {CudaCompiler.Innermost(e).Message}", e);
            }
        }
    }

    /// <summary>
    /// Threads per group of block reductions: 256 on a GPU; 16 on the emulator, whose groups are OS threads (at most
    /// 16 per group) — so tests exercise the block path on small tensors too.
    /// </summary>
    internal int ReductionGroup => IsEmulator ? 16 : 256;

    /// <summary>
    /// The launch limits of generated kernels: block-reduction groups, the accelerator's warp size, and the grid cap of
    /// elementwise launches — the threads the GPU keeps resident (multiprocessors x threads per multiprocessor), or 64
    /// on the emulator, so that tests exercise the grid-stride loop on small tensors.
    /// </summary>
    internal LaunchLimits Limits => LimitsOverride ?? new(ReductionGroup, Accelerator.WarpSize,
        IsEmulator ? EmulatorMaxThreads : Math.Max(Accelerator.NumMultiprocessors * Accelerator.MaxNumThreadsPerMultiprocessor, 1024));

    /// <summary>Test seam: other launch limits (a warp size that does not divide the group, say) for later compiles.</summary>
    internal LaunchLimits? LimitsOverride { get; set; }

    /// <summary>Most threads of one elementwise launch on the emulator.</summary>
    internal const int EmulatorMaxThreads = 64;

    /// <summary>Test seam: replaces each generated kernel method before ILGPU compiles it (to provoke compile failures).</summary>
    internal Func<System.Reflection.MethodInfo, System.Reflection.MethodInfo>? ReplaceKernel { get; set; }

    /// <inheritdoc/>
    public IExecutable Compile(LoweredProgram program) => CudaCompiler.Compile(this, program);

    /// <inheritdoc/>
    public Storage FromHost(Array data)
    {
        var dtype = DTypeExtensions.OfArray(data);
        lock (Gate)
        {
            var storage = Allocate(dtype, data.Length, "a host-to-device copy");
            ElementOps.For(dtype).Upload(Stream, storage.View, data);
            return storage;
        }
    }

    /// <inheritdoc/>
    public Array ToHost(Storage storage)
    {
        var s = Own(storage, "copy to the host");
        lock (Gate)
        {
            Accelerator.Bind();
            var host = ElementOps.For(s.DType).Download(Stream, s.View, s.Length);
            Wait();
            return host;
        }
    }

    /// <summary>The buffer goes back to the pool; later outputs of its dtype and length reuse it.</summary>
    public void Release(Storage storage)
    {
        if (storage is DeviceStorage s && ReferenceEquals(s.Owner, this) && !s.IsCaptured)
        {
            lock (Gate) pool.Return(s.DType, s.Length, s.Buffer, s.View);
        }
    }

    /// <summary>Waits until every kernel and copy queued on the device has finished (for timing; reading values waits anyway).</summary>
    public void Synchronize()
    {
        lock (Gate)
        {
            Accelerator.Bind();
            Wait();
        }
    }

    /// <summary>Device memory held by the pool, in bytes (for tests and diagnostics).</summary>
    public long PooledBytes
    {
        get
        {
            lock (Gate) return pool.Bytes;
        }
    }

    internal DeviceStorage Own(Storage storage, string what) =>
        storage as DeviceStorage is { } s && ReferenceEquals(s.Owner, this)
            ? s
            : throw new ArgumentException($"{Name}: cannot {what}: the data lives on {storage.Device}, not on {Device}; move it with To({Device})");

    /// <summary>
    /// A buffer of <paramref name="length"/> elements from the pool or newly allocated (contents undefined). Out of
    /// device memory, the pool is emptied and the allocation tried once more before a clear error. Caller holds
    /// <see cref="Gate"/>.
    /// </summary>
    internal DeviceStorage Allocate(DType dtype, int length, string purpose)
    {
        if (pool.TryRent(dtype, length, out var buffer, out var view)) return new DeviceStorage(this, buffer, view, dtype, length);
        Accelerator.Bind();
        var ops = ElementOps.For(dtype);
        try
        {
            AllocationHook?.Invoke(dtype, length);
            (buffer, view) = ops.Allocate(Accelerator, length);
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            pool.Clear();
            try
            {
                AllocationHook?.Invoke(dtype, length);
                (buffer, view) = ops.Allocate(Accelerator, length);
            }
            catch (Exception again) when (IsOutOfMemory(again))
            {
                long bytes = (long)length * BufferPool.ElementBytes(dtype);
                throw new InsufficientMemoryException(
                    $"{Device}: out of device memory allocating {bytes / (1024.0 * 1024.0):0.#} MiB for {purpose} " +
                    $"({dtype.ShortName()}[{length}]; the device has {Accelerator.MemorySize / (1024.0 * 1024 * 1024):0.#} GiB). Dispose tensors " +
                    "you no longer need (tensor.Dispose() or a DisposeScope), use smaller batches, or keep some data on Device.Cpu.", again);
            }
        }
        return new DeviceStorage(this, buffer, view, dtype, length);
    }

    /// <summary>Test seam: called before each device allocation (a test throws the accelerator's out-of-memory error from it).</summary>
    internal Action<DType, int>? AllocationHook { get; set; }

    private static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException || e is AcceleratorException && e.Message.Contains("memory", StringComparison.OrdinalIgnoreCase);

    /// <summary>Releases the pool, the accelerator and its context.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            pool.Clear();
            Accelerator.Dispose();
            Context.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Accelerator.Name})";
}
