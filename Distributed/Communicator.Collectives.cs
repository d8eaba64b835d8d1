using System.Runtime.InteropServices;
using Tracer.Distributed.Native;

namespace Tracer.Distributed;

// Collectives: spans (in place, no copies) and parameter trees (one fused buffer per call).
public sealed unsafe partial class Communicator
{
    private float[] floatScratch = [];
    private double[] doubleScratch = [];

    /// <summary>Every rank's tree, summed leaf by leaf; every rank gets the sum. f32 and f64 leaves.</summary>
    public T AllReduceSum<T>(T tree) => AllReduceScaled(tree, "AllReduceSum", 1, 1);

    /// <summary>The leaf-by-leaf mean over ranks (the sum times 1/<see cref="Size"/>); every rank gets it.</summary>
    public T AllReduceMean<T>(T tree) => AllReduceScaled(tree, "AllReduceMean", 1, 1.0 / Size);

    /// <summary>
    /// Sums <paramref name="tree"/> times <paramref name="weight"/> over ranks: a weighted mean when the weights sum to
    /// one, e.g. each rank's share of a global batch split unevenly (<see cref="DataParallel"/> uses this).
    /// </summary>
    public T AllReduceWeighted<T>(T tree, double weight) => AllReduceScaled(tree, "AllReduceWeighted", weight, 1);

    /// <summary>
    /// Rank <paramref name="root"/>'s tree on every rank. The others pass a tree of the same structure, shapes and
    /// dtypes (e.g. their own freshly initialised model); its values are ignored. Any leaf dtype.
    /// </summary>
    public T Broadcast<T>(T tree, int root = 0)
    {
        CheckRoot(root, "Broadcast");
        var leaves = Tree.Leaves(tree);
        int bytes = FusedBuffer.ByteCount(leaves, "Broadcast");
        CheckSameTree(tree, leaves, "Broadcast");
        var buffer = new byte[bytes];
        if (Rank == root) FusedBuffer.PackBytes(leaves, buffer);
        Broadcast(buffer.AsSpan(), root);
        return Rank == root ? tree : Tree.Unflatten(tree, FusedBuffer.UnpackBytes(leaves, buffer));
    }

    /// <summary>Sums <paramref name="values"/> over ranks in place (MPI_Allreduce with MPI_IN_PLACE).</summary>
    public void AllReduceSum(Span<float> values)
    {
        fixed (float* p = values) Reduce((IntPtr)p, values.Length, mpi.Float, "AllReduceSum");
    }

    /// <summary>Sums <paramref name="values"/> over ranks in place (MPI_Allreduce with MPI_IN_PLACE).</summary>
    public void AllReduceSum(Span<double> values)
    {
        fixed (double* p = values) Reduce((IntPtr)p, values.Length, mpi.Double, "AllReduceSum");
    }

    /// <summary>Overwrites <paramref name="data"/> with rank <paramref name="root"/>'s bytes (MPI_Bcast).</summary>
    public void Broadcast(Span<byte> data, int root = 0)
    {
        CheckRoot(root, "Broadcast");
        ThrowIfDisposed("Broadcast");
        watchdog.Enter("Broadcast");
        try
        {
            fixed (byte* p = data) mpi.Check(mpi.Bcast((IntPtr)p, data.Length, mpi.Byte, root, comm), "MPI_Bcast");
        }
        finally { watchdog.Exit(); }
    }

    /// <summary>Every rank's <paramref name="value"/>, indexed by rank (MPI_Allgather).</summary>
    public ulong[] AllGather(ulong value)
    {
        ThrowIfDisposed("AllGather");
        var all = new ulong[Size];
        watchdog.Enter("AllGather");
        try
        {
            fixed (ulong* p = all) mpi.Check(mpi.Allgather((IntPtr)(&value), 1, mpi.UInt64, (IntPtr)p, 1, mpi.UInt64, comm), "MPI_Allgather");
        }
        finally { watchdog.Exit(); }
        return all;
    }

    private T AllReduceScaled<T>(T tree, string operation, double before, double after)
    {
        var leaves = Tree.Leaves(tree);
        var layout = FusedBuffer.PlanReduce(leaves, operation);
        CheckSameTree(tree, leaves, operation);
        // The fused buffers are kept between calls: a training loop reduces trees of one size every step, and
        // fresh 100 MB arrays each time would cost a large-object allocation (and its zeroing) per call.
        if (floatScratch.Length < layout.FloatCount) floatScratch = new float[layout.FloatCount];
        if (doubleScratch.Length < layout.DoubleCount) doubleScratch = new double[layout.DoubleCount];
        var floats = floatScratch;
        var doubles = doubleScratch;
        FusedBuffer.Pack(leaves, layout, floats, doubles, before);
        if (layout.FloatCount > 0) AllReduceSum(floats.AsSpan(0, layout.FloatCount));
        if (layout.DoubleCount > 0) AllReduceSum(doubles.AsSpan(0, layout.DoubleCount));
        return Tree.Unflatten(tree, FusedBuffer.Unpack(leaves, layout, floats, doubles, after));
    }

    private void Reduce(IntPtr values, int count, IntPtr datatype, string operation)
    {
        ThrowIfDisposed(operation);
        watchdog.Enter(operation);
        try { mpi.Check(mpi.Allreduce(MpiLibrary.InPlace, values, count, datatype, mpi.OpSum, comm), "MPI_Allreduce"); }
        finally { watchdog.Exit(); }
    }

    /// <summary>
    /// Compares a hash of the tree's structure, shapes and dtypes across ranks (one 8-byte all-gather). Without it a
    /// rank passing a different tree would make MPI fail deep inside (truncation) or, worse, reduce the wrong data.
    /// </summary>
    private void CheckSameTree<T>(T tree, Tensor[] leaves, string operation)
    {
        string structure = Tree.Structure(tree);
        string shown = structure.Length <= 300 ? structure : structure[..300] + "...";
        ulong hash = Checksums.Fnv1a(structure, (ulong)leaves.Length);
        var all = AllGather(hash);
        for (int r = 0; r < all.Length; r++)
        {
            if (all[r] != all[0])
                throw new MpiException(
                    $"Communicator.{operation}: ranks passed trees of different structure, shapes or dtypes (rank {r} differs from rank 0); " +
                    $"this is rank {Rank} with {shown}. Every rank must pass the same kind of tree.");
        }
    }

    private void CheckRoot(int root, string operation)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"Communicator.{operation}: root must be a rank from 0 to {Size - 1}");
    }
}
