using System.Runtime.InteropServices;

namespace Tracer.Compiler;

/// <summary>
/// A host array lent to exactly one <see cref="HostStorage"/>: the pool keeps the array and a weak reference to the
/// storage, and may hand the array to a new output once the storage is unreachable (the garbage collector cleared the
/// reference). The storage is the only owner: tensors share storages, never arrays, so an unreachable storage means
/// nobody can read the array any more. A loan is cancelled when the array gets another owner (a compiled program
/// captured it as a constant) or goes back to the pool by <c>Dispose</c>; a cancelled loan is never reclaimed.
/// Every field is read and written under the pool's lock.
/// </summary>
internal sealed class HostLease
{
    private readonly object gate;
    private GCHandle owner;

    /// <summary>Lends <paramref name="array"/> to <paramref name="storage"/>; <paramref name="gate"/> is the pool's lock.</summary>
    public HostLease(HostStorage storage, Array array, object gate)
    {
        this.gate = gate;
        Array = array;
        owner = GCHandle.Alloc(storage, GCHandleType.Weak);
    }

    /// <summary>The lent array.</summary>
    public Array Array { get; }

    /// <summary>True once the loan was cancelled: the array is no longer the pool's to reclaim.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>True when the storage was collected and the loan not cancelled: the array is free. Under the lock.</summary>
    public bool OwnerGone => !Cancelled && owner.Target is null;

    /// <summary>Ends the loan for good: the pool forgets the array (its owner keeps it alive as usual).</summary>
    public void Cancel()
    {
        lock (gate) Cancelled = true;
    }

    /// <summary>Frees the weak handle once the pool drops the loan. Under the lock.</summary>
    public void Close()
    {
        if (owner.IsAllocated) owner.Free();
        Cancelled = true;
    }
}
