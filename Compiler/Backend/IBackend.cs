namespace Tracer.Compiler;

/// <summary>
/// What a device contributes to the pipeline (tinygrad's allocator + compiler + runner): storage for its tensors,
/// copies to and from the host, and a code generator that turns a lowered program into something that runs. The
/// compile pipeline (<see cref="Pipeline"/>) owns every stage before code generation; a backend never optimises or
/// lowers a graph itself.
/// </summary>
public interface IBackend
{
    /// <summary>Short name for messages: "cpu", "cuda", "interpreter".</summary>
    string Name { get; }

    /// <summary>The device whose storage this backend owns and whose tensors its executables read and write.</summary>
    Device Device { get; }

    /// <summary>
    /// Whether <see cref="Compile"/> needs <see cref="LoweredProgram.Kernels"/>. The reference interpreter runs the
    /// optimised graph itself, so the pipeline skips lowering for it.
    /// </summary>
    bool ConsumesKernels => true;

    /// <summary>
    /// Compiles a lowered program. Called once per cache entry, so it may take milliseconds; the returned executable
    /// is called many times, from many threads at once.
    /// </summary>
    IExecutable Compile(LoweredProgram program);

    /// <summary>A storage on this device holding a copy of host array <paramref name="data"/> (which the caller may reuse).</summary>
    Storage FromHost(Array data);

    /// <summary>
    /// The values of <paramref name="storage"/> (a storage of this device) as a host array. The array may be shared with
    /// the storage: callers must not mutate it.
    /// </summary>
    Array ToHost(Storage storage);

    /// <summary>
    /// Takes back the memory of <paramref name="storage"/>, whose tensor was disposed and which nothing else
    /// references, for reuse by later outputs (a pool). The default keeps nothing: the garbage collector frees it.
    /// </summary>
    void Release(Storage storage)
    {
    }
}

/// <summary>A compiled program. Thread-safe: concurrent calls do not share mutable state.</summary>
public interface IExecutable
{
    /// <summary>
    /// Runs on storages of the backend's device (one per program input, types as the program says, already checked
    /// by the caller) and writes one newly allocated storage per program output into <paramref name="outputs"/>.
    /// </summary>
    void Run(ReadOnlySpan<Storage> inputs, Span<Storage> outputs);

    /// <summary>Human-readable generated code (kernels as C#-like text, PTX...), for inspection and debugging.</summary>
    string Describe();

    /// <summary>
    /// Drops what only inspection (<see cref="Describe"/>) needs, such as the kernel program and its code as text or
    /// expression trees, keeping everything <see cref="Run"/> needs. <see cref="Pipeline.CompileToRun"/> calls it on
    /// the executables that caches keep; afterwards <see cref="Describe"/> may say only that it was released. The
    /// default keeps everything.
    /// </summary>
    void ReleaseInspection()
    {
    }
}
