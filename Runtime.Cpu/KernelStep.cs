using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// How the executable runs one compiled loop kernel: in one call over the whole outermost axis, or split into
/// <see cref="Chunks"/> contiguous ranges of it run by <see cref="KernelThreads"/>. Only kernels
/// where each element is written from one outermost index are split: never an accumulating kernel
/// (<see cref="LoopKernel.HasWriteConflicts"/>) or a reduction of everything to one value.
/// </summary>
internal sealed class KernelStep
{
    public static readonly KernelStep Sequential = new(0, 1, 1);

    private readonly int extent;
    private readonly int align;

    private KernelStep(int extent, int chunks, int align)
    {
        this.extent = extent;
        Chunks = chunks;
        this.align = align;
    }

    public int Chunks { get; }

    /// <summary>
    /// Chunks of a flat loop start at multiples of this many elements: a multiple of every vector width (16 f32
    /// lanes at most), which the code generator relies on to leave out scalar tails that cannot run.
    /// </summary>
    public const int Alignment = 64;

    /// <summary>The outermost loop's extent (the kernel's whole range is [0, Extent)).</summary>
    public int Extent => extent;

    public static KernelStep For(LoopKernel k, CpuBackendOptions options)
    {
        int extent = k.Domain.Length == 0 ? 1 : k.Domain[0];
        bool splittable = k.Domain.Length > 0 && !k.HasWriteConflicts && !(k.IsRegisterReduction && k.KeptAxes == 0);
        long work = 1;
        foreach (int d in k.Domain) work *= d;
        work *= 1 + k.Body.Size;
        int chunks = 1;
        if (splittable && options.MaxThreads > 1 && work >= options.ParallelThreshold)
            chunks = Math.Min(options.MaxThreads, extent);
        // A flat loop is split at multiples of Alignment elements, so every chunk but the last runs whole vectors.
        int align = k.Domain.Length == 1 ? Alignment : 1;
        return new KernelStep(extent, chunks, align);
    }

    public void Run(Action<Array[], int, int> kernel, Array[] buffers)
    {
        if (Chunks <= 1)
        {
            kernel(buffers, 0, extent);
            return;
        }
        int per = (extent + Chunks - 1) / Chunks;
        per = (per + align - 1) / align * align;
        KernelThreads.Shared.For(Chunks, Chunks, c =>
        {
            int lo = c * per, hi = Math.Min(extent, lo + per);
            if (lo < hi) kernel(buffers, lo, hi);
        });
    }
}
