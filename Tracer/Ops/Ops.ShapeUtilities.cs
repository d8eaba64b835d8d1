using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    // ---- shape utilities ----------------------------------------------------------------------------------------
    // All composites of slice, pad, concatenate, reshape, broadcast, gather and select, so each is differentiable,
    // batchable and fusable through the existing rules. Masks and index lists depend only on shapes: they are
    // computed on the host and enter a traced graph as constants.

    /// <summary>
    /// Pads every axis with <paramref name="before"/>[i] entries before and <paramref name="after"/>[i] after, all
    /// equal to <paramref name="value"/> (NumPy's constant pad). Amounts are non-negative, one per axis.
    /// </summary>
    public static Tensor Pad(Tensor x, int[] before, int[] after, double value = 0)
    {
        NotNull(x, "Pad");
        NotNull(before, "Pad", "before");
        NotNull(after, "Pad", "after");
        int rank = x.Shape.Rank;
        if (before.Length != rank || after.Length != rank)
            throw new ArgumentException($"Pad: {x.Type} has rank {rank} but before {Shape.Format(before)} and after {Shape.Format(after)} " +
                $"have lengths {before.Length} and {after.Length}; give one amount per axis");
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            if (before[i] < 0 || after[i] < 0)
                throw new ArgumentException($"Pad: amounts must be non-negative, got before {Shape.Format(before)} and after {Shape.Format(after)} for {x.Type}; use Slice to remove entries");
            dims[i] = before[i] + x.Shape[i] + after[i];
        }
        var padded = Dispatch.Apply(OpCode.Pad, new Attrs { Starts = (int[])before.Clone(), Ends = (int[])after.Clone() }, x);
        if (value == 0) return padded;
        // The interior as a constant mask: pad(x - value) + value would round x.
        var inside = new bool[x.Shape.Size];
        Array.Fill(inside, true);
        var interior = Dispatch.Apply(OpCode.Pad, new Attrs { Starts = (int[])before.Clone(), Ends = (int[])after.Clone() },
            Tensor.FromArray(inside, x.Shape.ToArray()));
        return Where(interior, padded, Tensor.Full(x.DType, value));
    }

    /// <summary>Reverses the order of the entries along each of <paramref name="axes"/> (all axes when none are given).</summary>
    public static Tensor Flip(Tensor x, params int[] axes)
    {
        NotNull(x, "Flip");
        if (axes is null || axes.Length == 0)
        {
            axes = new int[x.Shape.Rank];
            for (int i = 0; i < axes.Length; i++) axes[i] = i;
        }
        var seen = new bool[x.Shape.Rank];
        foreach (int axis in axes)
        {
            int a = NormalizeAxis("Flip", x, axis);
            if (seen[a]) throw new ArgumentException($"Flip: axis {axis} appears twice in {Shape.Format(axes)} for {x.Type}");
            seen[a] = true;
            int n = x.Shape[a];
            if (n <= 1) continue;
            var reversed = new int[n];
            for (int i = 0; i < n; i++) reversed[i] = n - 1 - i;
            x = Take(x, Tensor.FromArray(reversed, n), a);
        }
        return x;
    }

    /// <summary>
    /// NumPy's tile: <paramref name="x"/> repeated reps[i] times along axis i. More repeats than axes adds leading
    /// axes; fewer repeat the trailing axes (the leading ones once).
    /// </summary>
    public static Tensor Tile(Tensor x, params int[] reps)
    {
        NotNull(x, "Tile");
        NotNull(reps, "Tile", "reps");
        foreach (int r in reps)
        {
            if (r < 0) throw new ArgumentException($"Tile: repeats must be non-negative, got {Shape.Format(reps)} for {x.Type}");
        }
        int rank = Math.Max(x.Shape.Rank, reps.Length);
        var shape = new int[rank];
        var r2 = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int xi = i - (rank - x.Shape.Rank), ri = i - (rank - reps.Length);
            shape[i] = xi >= 0 ? x.Shape[xi] : 1;
            r2[i] = ri >= 0 ? reps[ri] : 1;
        }
        // [d0, d1, ...] -> [1, d0, 1, d1, ...] -> broadcast [r0, d0, r1, d1, ...] -> [r0*d0, r1*d1, ...]
        var interleaved = new int[2 * rank];
        var broadcast = new int[2 * rank];
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            (interleaved[2 * i], interleaved[2 * i + 1]) = (1, shape[i]);
            (broadcast[2 * i], broadcast[2 * i + 1]) = (r2[i], shape[i]);
            result[i] = r2[i] * shape[i];
        }
        return Reshape(BroadcastTo(Reshape(x, interleaved), broadcast), result);
    }

    /// <summary>Each entry repeated <paramref name="repeats"/> times in a row along <paramref name="axis"/> (NumPy's repeat).</summary>
    public static Tensor Repeat(Tensor x, int repeats, int axis)
    {
        NotNull(x, "Repeat");
        if (repeats < 0) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, $"Repeat: repeats must be non-negative, got {repeats} for {x.Type}");
        int a = NormalizeAxis("Repeat", x, axis);
        var expanded = ExpandDims(x, a + 1);
        var dims = expanded.Shape.ToArray();
        dims[a + 1] = repeats;
        var result = x.Shape.ToArray();
        result[a] *= repeats;
        return Reshape(BroadcastTo(expanded, dims), result);
    }

    /// <summary>Shifts the entries <paramref name="shift"/> places along <paramref name="axis"/>, wrapping around (NumPy's roll).</summary>
    public static Tensor Roll(Tensor x, int shift, int axis)
    {
        NotNull(x, "Roll");
        int a = NormalizeAxis("Roll", x, axis);
        int n = x.Shape[a];
        if (n == 0) return x;
        int s = (int)(((long)shift % n + n) % n);
        if (s == 0) return x;
        return Concat(a, SliceAxis(x, a, n - s, n), SliceAxis(x, a, 0, n - s));
    }

    /// <summary>Splits <paramref name="x"/> into <paramref name="sections"/> equal parts along <paramref name="axis"/>.</summary>
    public static Tensor[] Split(Tensor x, int sections, int axis)
    {
        NotNull(x, "Split");
        int a = NormalizeAxis("Split", x, axis);
        int n = x.Shape[a];
        if (sections <= 0 || n % sections != 0)
            throw new ArgumentException($"Split: axis {axis} of {x.Type} has {n} entries, which {sections} sections cannot share equally; " +
                "pick a divisor of the axis length, or use Slice for unequal parts");
        int size = n / sections;
        var parts = new Tensor[sections];
        for (int i = 0; i < sections; i++) parts[i] = SliceAxis(x, a, i * size, (i + 1) * size);
        return parts;
    }

    /// <summary>The lower triangle of the last two axes: entries (i, j) with j - i ≤ <paramref name="k"/>, zeros elsewhere.</summary>
    public static Tensor Tril(Tensor x, int k = 0) => Triangle(x, k, lower: true, "Tril");

    /// <summary>The upper triangle of the last two axes: entries (i, j) with j - i ≥ <paramref name="k"/>, zeros elsewhere.</summary>
    public static Tensor Triu(Tensor x, int k = 0) => Triangle(x, k, lower: false, "Triu");

    /// <summary>
    /// A 1-D tensor becomes the square matrix with it on the diagonal; a tensor of rank 2 or more gives the
    /// diagonal of its last two axes, [..., m, n] -> [..., min(m, n)].
    /// </summary>
    public static Tensor Diag(Tensor x)
    {
        NotNull(x, "Diag");
        int rank = x.Shape.Rank;
        if (rank == 0) throw new ArgumentException($"Diag: expects a vector or a (batch of) matrices, got the scalar {x.Type}");
        if (rank == 1)
        {
            int n = x.Shape[0];
            var eye = Tensor.Eye(DType.Bool, n);
            return Where(eye, BroadcastTo(Reshape(x, 1, n), n, n), Tensor.Full(x.DType, 0));
        }
        int m = x.Shape[rank - 2], c = x.Shape[rank - 1], d = Math.Min(m, c);
        var flat = x.Shape.ToArray()[..^1];
        flat[^1] = m * c;
        var positions = new int[d];
        for (int i = 0; i < d; i++) positions[i] = i * (c + 1);
        return Take(Reshape(x, flat), Tensor.FromArray(positions, d), rank - 2);
    }

    /// <summary>The sum of the diagonal of the last two axes (rank 2 or more): [..., m, n] -> [...].</summary>
    public static Tensor Trace(Tensor x)
    {
        NotNull(x, "Trace");
        if (x.Shape.Rank < 2) throw new ArgumentException($"Trace: expects a (batch of) matrices, got {x.Type}");
        return Sum(Diag(x), -1);
    }

    /// <summary>
    /// One-hot encoding: i32 <paramref name="indices"/> [...] -> [..., depth] of <paramref name="dtype"/>, 1 at each
    /// index and 0 elsewhere; an index outside [0, depth) gives a row of zeros (as JAX and TensorFlow do).
    /// </summary>
    public static Tensor OneHot(Tensor indices, int depth, DType dtype)
    {
        NotNull(indices, "OneHot", "indices");
        if (indices.DType != DType.Int32)
            throw new ArgumentException($"OneHot: indices must be i32, got {indices.Type}; use Cast(indices, DType.Int32)");
        if (depth < 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, "OneHot: depth must be non-negative");
        var hot = Equal(ExpandDims(indices, -1), Tensor.Arange(DType.Int32, 0, depth));
        return dtype == DType.Bool ? hot : Cast(hot, dtype);
    }

    private static Tensor Triangle(Tensor x, int k, bool lower, string op)
    {
        NotNull(x, op);
        int rank = x.Shape.Rank;
        if (rank < 2) throw new ArgumentException($"{op}: expects a (batch of) matrices (rank 2 or more), got {x.Type}");
        int m = x.Shape[rank - 2], n = x.Shape[rank - 1];
        var mask = new bool[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) mask[i * n + j] = lower ? j - i <= k : j - i >= k;
        }
        return Where(Tensor.FromArray(mask, m, n), x, Tensor.Full(x.DType, 0));
    }
}
