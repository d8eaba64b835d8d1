namespace Tracer.Distributed;

/// <summary>
/// Data-parallel training over the ranks of a <see cref="Communicator"/>: every rank holds a replica of the
/// parameters, computes the gradient on its shard of the global batch, and the shard gradients are averaged (each
/// weighted by its share of the batch, so uneven splits are exact) before every rank applies the same optimiser
/// update. With a loss that is a mean over examples, one step equals a single-process step on the whole global
/// batch, up to floating-point summation order.
/// </summary>
public sealed class DataParallel(Communicator communicator)
{
    /// <summary>The ranks this helper trains over.</summary>
    public Communicator Communicator { get; } = communicator ?? throw new ArgumentNullException(nameof(communicator));

    /// <summary>
    /// This rank's contiguous share of <paramref name="globalCount"/> examples: sizes differ by at most one, the
    /// first <c>globalCount % Size</c> ranks taking one more. Throws when some rank would get no example.
    /// </summary>
    public (int Start, int Count) ShardOf(int globalCount)
    {
        int size = Communicator.Size, rank = Communicator.Rank;
        if (globalCount < size)
            throw new ArgumentException(
                $"DataParallel: a global batch of {globalCount} examples cannot be split over {size} ranks; use at least one example per rank",
                nameof(globalCount));
        int baseCount = globalCount / size, extra = globalCount % size;
        int start = rank * baseCount + Math.Min(rank, extra);
        return (start, baseCount + (rank < extra ? 1 : 0));
    }

    /// <summary>This rank's rows (axis 0) of <paramref name="batch"/>, by <see cref="ShardOf"/>.</summary>
    public Tensor Shard(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Shape.Rank == 0)
            throw new ArgumentException($"DataParallel.Shard: the batch is a scalar ({batch.DType}[]); shard tensors whose axis 0 indexes examples", nameof(batch));
        var (start, count) = ShardOf(batch.Shape[0]);
        var starts = new int[batch.Shape.Rank];
        var ends = new int[batch.Shape.Rank];
        starts[0] = start;
        ends[0] = start + count;
        for (int i = 1; i < ends.Length; i++) ends[i] = batch.Shape[i];
        return Ops.Slice(batch, starts, ends);
    }

    /// <summary>Rank 0's parameters (or any tree) on every rank: call once before training so replicas start equal.</summary>
    public T Synchronize<T>(T parameters) => Communicator.Broadcast(parameters, 0);

    /// <summary>
    /// The global-batch gradient from each rank's shard gradient: the sum over ranks of
    /// <c>grads * localCount / globalCount</c>. Pass the <c>(loss, grads)</c> pair to average the loss in the same message.
    /// </summary>
    public T AverageGradients<T>(T grads, int localCount, int globalCount)
    {
        if (localCount <= 0 || localCount > globalCount)
            throw new ArgumentOutOfRangeException(nameof(localCount), localCount, $"DataParallel.AverageGradients: localCount must be in 1..globalCount ({globalCount})");
        return Communicator.AllReduceWeighted(grads, (double)localCount / globalCount);
    }

    /// <summary>
    /// Throws <see cref="ReplicaMismatchException"/> on every rank unless every rank's <paramref name="parameters"/>
    /// are bit-identical to rank 0's (compares <see cref="Checksums.Of{T}"/> with one all-gather).
    /// </summary>
    public void CheckReplicasAgree<T>(T parameters)
    {
        var sums = Communicator.AllGather(Checksums.Of(parameters));
        var differing = new List<int>();
        for (int r = 1; r < sums.Length; r++) if (sums[r] != sums[0]) differing.Add(r);
        if (differing.Count > 0)
            throw new ReplicaMismatchException(
                $"DataParallel.CheckReplicasAgree: the parameters of rank(s) {string.Join(", ", differing)} differ from rank 0's " +
                $"(checksums {string.Join(", ", Array.ConvertAll(sums, s => s.ToString("x16")))}). Replicas drift apart when they start from " +
                "different values (call Synchronize first), apply different updates, or draw different random numbers.");
    }

    /// <summary>
    /// <see cref="Jit.ValueAndGrad{T, A}(Func{T, A, Tensor})"/> over the global batch, computed data-parallel: each rank
    /// runs the compiled function on its shard of <c>x</c> (axis 0) and the values and gradients are averaged. The loss
    /// must be a mean over examples.
    /// </summary>
    public Func<T, Tensor, (Tensor Value, T Grad)> ValueAndGrad<T>(Func<T, Tensor, Tensor> loss)
    {
        var local = Jit.ValueAndGrad(loss);
        return (parameters, x) =>
        {
            int global = x.Shape.Rank > 0 ? x.Shape[0] : 0;
            var shard = Shard(x);
            return AverageGradients(local(parameters, shard), shard.Shape[0], global);
        };
    }

    /// <summary>As <see cref="ValueAndGrad{T}(Func{T, Tensor, Tensor})"/> with two batch arguments (e.g. inputs and labels), sharded alike.</summary>
    public Func<T, Tensor, Tensor, (Tensor Value, T Grad)> ValueAndGrad<T>(Func<T, Tensor, Tensor, Tensor> loss)
    {
        var local = Jit.ValueAndGrad(loss);
        return (parameters, x, y) =>
        {
            int global = SameBatch(x, y);
            var shard = Shard(x);
            return AverageGradients(local(parameters, shard, Shard(y)), shard.Shape[0], global);
        };
    }

    /// <summary>As <see cref="ValueAndGrad{T}(Func{T, Tensor, Tensor})"/> with three batch arguments (e.g. inputs, labels and a dropout mask).</summary>
    public Func<T, Tensor, Tensor, Tensor, (Tensor Value, T Grad)> ValueAndGrad<T>(Func<T, Tensor, Tensor, Tensor, Tensor> loss)
    {
        var local = Jit.ValueAndGrad(loss);
        return (parameters, x, y, z) =>
        {
            int global = SameBatch(x, y);
            SameBatch(x, z);
            var shard = Shard(x);
            return AverageGradients(local(parameters, shard, Shard(y), Shard(z)), shard.Shape[0], global);
        };
    }

    private static int SameBatch(Tensor a, Tensor b)
    {
        int n = a.Shape.Rank > 0 ? a.Shape[0] : -1;
        if (b.Shape.Rank == 0 || b.Shape[0] != n)
            throw new ArgumentException($"DataParallel.ValueAndGrad: batch arguments must share axis 0 (the example axis), got {a.DType}{a.Shape} and {b.DType}{b.Shape}");
        return n;
    }
}
