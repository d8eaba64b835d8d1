using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// The flattening state of one <see cref="Jit"/> call (leaf list, signature writer, input and output tables), kept per thread so
/// a cached call allocates nothing for it. A call marks the thread's instance in use until it ends; a call made
/// meanwhile on the same thread (from inside tracing, or from a tree's property getter) finds it in use and takes a
/// fresh one.
/// </summary>
internal sealed class CallScratch
{
    [ThreadStatic]
    private static CallScratch? cached;

    private Storage[] inputs = [];
    private Storage[] outputs = [];

    public List<Tensor> Leaves { get; } = [];

    public SignatureWriter Signature { get; } = new();

    /// <summary>The traced number leaves of the call (see <see cref="TracedScalars"/>).</summary>
    public List<ScalarLeaf> Scalars { get; } = [];

    /// <summary>The probe key a lookup points at this call's signature.</summary>
    public CacheKey Probe { get; } = new();

    private bool inUse;

    public static CallScratch Rent()
    {
        var s = cached;
        if (s is null || s.inUse)
        {
            s = new CallScratch();
            cached ??= s;
        }
        s.inUse = true;
        s.Signature.Reset();
        return s;
    }

    public static void Return(CallScratch s)
    {
        // Keep no tensors alive, and do not hold on to unusually large lists.
        s.Leaves.Clear();
        s.Scalars.Clear();
        s.Probe.Release();
        s.inputs.AsSpan().Clear();
        s.outputs.AsSpan().Clear();
        s.inUse = false;
        if (s.Leaves.Capacity > 4096 && ReferenceEquals(cached, s)) cached = null;
    }

    /// <summary>An output table of exactly <paramref name="count"/> entries, reused while the count stays the same.</summary>
    public Storage[] Outputs(int count)
    {
        if (outputs.Length != count) outputs = new Storage[count];
        return outputs;
    }

    /// <summary>An input table of exactly <paramref name="count"/> entries, reused while the count stays the same.</summary>
    public Storage[] Inputs(int count)
    {
        if (inputs.Length != count) inputs = new Storage[count];
        return inputs;
    }
}
