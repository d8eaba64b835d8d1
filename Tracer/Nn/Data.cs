using static Tracer.Ops;

namespace Tracer.Nn;

/// <summary>Seeded shuffling, splitting and minibatching over tensors whose axis 0 is the sample axis.</summary>
public static class Data
{
    /// <summary>A permutation of 0..n-1 from <paramref name="key"/> (the same key gives the same order).</summary>
    public static int[] Shuffle(PRNGKey key, int n) => Prng.Permutation(key, n);

    /// <summary>
    /// The index tensors (int32) of one epoch in shuffled order. With <paramref name="dropLast"/> (the default) a
    /// last incomplete batch is dropped, so every batch has one shape and a compiled step never retraces.
    /// </summary>
    public static IEnumerable<Tensor> BatchIndices(PRNGKey key, int n, int batchSize, bool dropLast = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = Shuffle(key, n);
        for (int start = 0; start < n; start += batchSize)
        {
            int size = Math.Min(batchSize, n - start);
            if (size < batchSize && dropLast) yield break;
            yield return Tensor.FromArray(order[start..(start + size)], size);
        }
    }

    /// <summary>Shuffled minibatches of <paramref name="x"/> and <paramref name="y"/> (rows taken together).</summary>
    public static IEnumerable<(Tensor X, Tensor Y)> Minibatches(PRNGKey key, Tensor x, Tensor y, int batchSize, bool dropLast = true)
    {
        int n = x.Shape[0];
        if (y.Shape[0] != n) throw new ArgumentException($"Minibatches: x has {n} rows, y has {y.Shape[0]}");
        foreach (var idx in BatchIndices(key, n, batchSize, dropLast)) yield return (Take(x, idx, 0), Take(y, idx, 0));
    }

    /// <summary>A seeded split into a training part and a held-out part of <paramref name="testFraction"/> of the rows.</summary>
    public static ((Tensor X, Tensor Y) Train, (Tensor X, Tensor Y) Test) Split(PRNGKey key, Tensor x, Tensor y, double testFraction)
    {
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), "Split: the fraction must be in (0, 1)");
        int n = x.Shape[0];
        var order = Shuffle(key, n);
        int test = (int)Math.Round(n * testFraction);
        var testIdx = Tensor.FromArray(order[..test], test);
        var trainIdx = Tensor.FromArray(order[test..], n - test);
        return ((Take(x, trainIdx, 0), Take(y, trainIdx, 0)), (Take(x, testIdx, 0), Take(y, testIdx, 0)));
    }
}
