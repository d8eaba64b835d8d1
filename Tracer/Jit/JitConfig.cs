namespace Tracer;

/// <summary>
/// Process-wide switches of the compiler, reachable from code (<see cref="Jit.Config"/>) rather than only through
/// environment variables. Changing a switch that affects generated code clears <see cref="Jit.Cache"/>, so the next
/// call of every function compiles again under the new setting.
/// </summary>
public sealed class JitConfig
{
    private volatile bool debugNans;

    internal JitConfig()
    {
        DumpDirectory = Environment.GetEnvironmentVariable("TRACER_DUMP") is { Length: > 0 } dir ? dir : null;
        VerifyStages = Environment.GetEnvironmentVariable("TRACER_VERIFY") == "1";
    }

    /// <summary>
    /// When on, a NaN produced by an eager op or a compiled call throws a <see cref="NotFiniteNumberException"/> that
    /// names the first primitive that produced it, its input types and the user's source line (file:line of the Ops
    /// call, captured while tracing). Costs a scan of every output and a stack walk per traced op: for debugging only
    /// (JAX's jax_debug_nans).
    /// </summary>
    public bool DebugNans
    {
        get => debugNans;
        set
        {
            if (debugNans == value) return;
            debugNans = value;
            Jit.Cache.Clear();   // entries traced without source lines must trace again
        }
    }

    /// <summary>Run the graph verifier after every stage of every compile (TRACER_VERIFY=1; on in the tests).</summary>
    public bool VerifyStages { get; set; }

    /// <summary>When set, every stage of every compile is written to files in this folder (TRACER_DUMP=dir).</summary>
    public string? DumpDirectory { get; set; }

    /// <summary>
    /// Most threads one CPU kernel (and the GEMM) uses. Default: the TRACER_CPU_THREADS environment variable when
    /// set, else every logical core. Setting it clears the cache.
    /// </summary>
    public int CpuThreads
    {
        get => Backends.Cpu.Options.MaxThreads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "Jit.Config.CpuThreads must be at least 1");
            if (value == CpuThreads) return;
            Cpu = Cpu with { MaxThreads = value };
        }
    }

    /// <summary>
    /// Every option of the CPU backend (threads, the size at which kernels split across threads, vector width, how
    /// kernels are grouped into methods, fusion limits), for tuning and experiments: e.g.
    /// <c>Jit.Config.Cpu = Jit.Config.Cpu with { ParallelThreshold = 1 &lt;&lt; 20 }</c>. Setting it clears the cache.
    /// </summary>
    public Runtime.Cpu.CpuBackendOptions Cpu
    {
        get => Backends.Cpu.Options;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Backends.ConfigureCpu(value);
            Jit.Cache.Clear();
        }
    }
}
