using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// How the executable runs one compiled loop kernel: in one call over the whole outermost axis, or split into
/// <see cref="Chunks"/> contiguous ranges of it run by <see cref="KernelThreads"/>. Only kernels
/// where each element is written from one outermost index are split: never an accumulating kernel
/// (<see cref="LoopKernel.HasWriteConflicts"/>) or a reduction of everything to one value. Whether a splittable
/// kernel is split is the cost model's call, made per run: <see cref="KernelCost"/> estimates its one-thread time at
/// compile time and <see cref="KernelThreads.Pays"/> weighs it against the measured wake-up of a worker.
/// </summary>
internal sealed class KernelStep
{
    public static readonly KernelStep Sequential = new(0, 1, 1, 0, forced: true);

    /// <summary>
    /// The default <see cref="CpuBackendOptions.ParallelThreshold"/>, which leaves splits to the cost model. A smaller
    /// threshold (tests use 1) splits every kernel whose work reaches it, without asking the cost model, so split code
    /// runs on small inputs; a larger one must be reached besides the cost model's minimum.
    /// </summary>
    /// <summary>True when <paramref name="options"/> split without the cost model (a threshold below the default).</summary>
    public static bool Forced(CpuBackendOptions options) => options.ParallelThreshold < DefaultThreshold;

    private static readonly long DefaultThreshold = new CpuBackendOptions { MaxThreads = 1 }.ParallelThreshold;

    private readonly int extent;
    private readonly int align;
    private readonly double nanoseconds;
    private readonly bool forced;

    private KernelStep(int extent, int chunks, int align, double nanoseconds, bool forced)
    {
        this.extent = extent;
        Chunks = chunks;
        this.align = align;
        this.nanoseconds = nanoseconds;
        this.forced = forced;
    }

    /// <summary>Most chunks a run splits into (1: always on the caller's thread).</summary>
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
        double nanoseconds = KernelCost.Loop(k, VectorCodegen.WidthFor(k, options.Vectors, options.WideTranscendentals));
        bool forced = Forced(options);
        // Only a kernel long enough to pay for a region even with polling workers may split; at run time the
        // measured wake-up decides (a region right after another finds the workers polling, a lone one wakes them).
        // A threshold above the default (a caller that wants fewer splits) must be reached as well.
        bool candidate = forced ? work >= options.ParallelThreshold
            : nanoseconds >= KernelThreads.MinimumSplitNanoseconds && (options.ParallelThreshold <= DefaultThreshold || work >= options.ParallelThreshold);
        int chunks = 1;
        if (splittable && options.MaxThreads > 1 && candidate)
            chunks = Math.Min(options.MaxThreads, extent);
        // A flat loop is split at multiples of Alignment elements, so every chunk but the last runs whole vectors.
        int align = k.Domain.Length == 1 ? Alignment : 1;
        return new KernelStep(extent, chunks, align, nanoseconds, forced);
    }

    public void Run(Action<Array[], int, int> kernel, Array[] buffers)
    {
        if (Chunks <= 1 || (!forced && !KernelThreads.Shared.Pays(nanoseconds)))
        {
            kernel(buffers, 0, extent);
            return;
        }
        // Up to four pieces per thread, none much shorter than a region's fixed cost: a worker that starts late or is
        // descheduled midway (another process on its core) holds up one piece, not half the kernel, while whoever is
        // free claims the rest.
        int pieces = (int)Math.Clamp(nanoseconds / KernelThreads.RegionNanoseconds, Chunks, 4 * Chunks);
        int per = (extent + pieces - 1) / pieces;
        per = (per + align - 1) / align * align;
        pieces = (extent + per - 1) / per;
        KernelThreads.Shared.For(pieces, Chunks, c =>
        {
            int lo = c * per, hi = Math.Min(extent, lo + per);
            if (lo < hi) kernel(buffers, lo, hi);
        });
    }
}
