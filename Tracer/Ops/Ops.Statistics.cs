using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    // ---- arg reductions (composites: a comparison with the reduced value, then the smallest matching index) ----

    /// <summary>
    /// The index (i32) of the largest element along <paramref name="axis"/>; the first one on ties, and the first
    /// NaN if there is one (NumPy's rule). No gradient (the result is an integer).
    /// </summary>
    public static Tensor ArgMax(Tensor x, int axis, bool keepDims = false) => ArgExtreme(x, axis, keepDims, max: true);

    /// <summary>
    /// The index (i32) of the smallest element along <paramref name="axis"/>; the first one on ties, and the first
    /// NaN if there is one (NumPy's rule). No gradient (the result is an integer).
    /// </summary>
    public static Tensor ArgMin(Tensor x, int axis, bool keepDims = false) => ArgExtreme(x, axis, keepDims, max: false);

    /// <summary>
    /// Composite: indices where x equals the extreme (or is NaN: a NaN extreme equals nothing) keep their position,
    /// the rest become n, and the minimum over the axis is the first match. One fused pass after the max.
    /// </summary>
    private static Tensor ArgExtreme(Tensor x, int axis, bool keepDims, bool max)
    {
        string name = max ? "ArgMax" : "ArgMin";
        NotNull(x, name);
        if (x.DType == DType.Bool) x = Cast(x, DType.Int32);
        int a = NormalizeAxis(name, x, axis);
        int n = x.Shape[a];
        if (n == 0)
            throw new ArgumentException($"{name}: axis {axis} of {x.Type} is empty; there is no {(max ? "largest" : "smallest")} element to index");
        if (Eager.Runs(x)) return Eager.Fused(max ? "argmax" : "argmin", Eager.Pack([a], keepDims), x, t => ArgExtreme(t, a, keepDims, max));
        var extreme = max ? Max(x, [a], keepDims: true) : Min(x, [a], keepDims: true);
        var positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = i;
        var dims = new int[x.Shape.Rank];
        Array.Fill(dims, 1);
        dims[a] = n;
        var iota = Tensor.FromArray(positions, dims);
        var hit = Where(Equal(x, extreme), iota, Where(IsNan(x), iota, n));
        return Min(hit, [a], keepDims);
    }

    // ---- moments ------------------------------------------------------------------------------------------

    /// <summary>
    /// The variance over <paramref name="axes"/> (all when null): the mean squared deviation from the mean,
    /// divided by n - <paramref name="ddof"/> (ddof = 1 is the unbiased sample variance). Integer tensors give f32.
    /// </summary>
    public static Tensor Var(Tensor x, int[]? axes = null, bool keepDims = false, int ddof = 0)
    {
        NotNull(x, "Var");
        if (!x.DType.IsFloat()) x = Cast(x, DType.Float32);
        var ax = NormalizeAxes("Var", x, axes);
        if (ddof < 0) throw new ArgumentOutOfRangeException(nameof(ddof), $"Var: ddof must be 0 or more, got {ddof}");
        if (Eager.Runs(x)) return Eager.Fused("var", Eager.Pack(ax, keepDims) | ((long)ddof << 40), x, t => Var(t, ax, keepDims, ddof));
        long count = 1;
        foreach (int a in ax) count *= x.Shape[a];
        var deviation = x - Mean(x, ax, keepDims: true);
        // n - ddof <= 0 divides by zero or a negative count: inf/NaN, as NumPy (which also warns).
        return Sum(deviation * deviation, ax, keepDims) / (double)(count - ddof);
    }

    /// <summary>The variance over one axis (negative counts from the end).</summary>
    public static Tensor Var(Tensor x, int axis, bool keepDims = false, int ddof = 0) => Var(x, [axis], keepDims, ddof);

    /// <summary>
    /// The standard deviation sqrt(Var(x, axes, keepDims, ddof)). As in JAX, its gradient is NaN where the variance
    /// is exactly zero (all elements equal): sqrt has no derivative at 0.
    /// </summary>
    public static Tensor Std(Tensor x, int[]? axes = null, bool keepDims = false, int ddof = 0) => Sqrt(Var(x, axes, keepDims, ddof));

    /// <summary>The standard deviation over one axis (negative counts from the end).</summary>
    public static Tensor Std(Tensor x, int axis, bool keepDims = false, int ddof = 0) => Std(x, [axis], keepDims, ddof);

    // ---- norms --------------------------------------------------------------------------------------------

    /// <summary>
    /// The vector p-norm over <paramref name="axes"/> (all axes when null, the elements taken as one vector, as
    /// <c>torch.linalg.vector_norm</c>): ord 2 (default) sqrt(sum x^2), 1 sum |x|, +inf max |x|, -inf min |x|,
    /// 0 the count of non-zeros, any other p (sum |x|^p)^(1/p). At an all-zero vector the gradient is 0 (a
    /// subgradient, as PyTorch), not the NaN of sqrt's derivative at 0; max/min norms split ties evenly.
    /// </summary>
    public static Tensor Norm(Tensor x, double ord = 2, int[]? axes = null, bool keepDims = false)
    {
        NotNull(x, "Norm");
        if (double.IsNaN(ord)) throw new ArgumentException("Norm: ord is NaN; use 1, 2, a positive p, 0, or +-infinity");
        if (!x.DType.IsFloat()) x = Cast(x, DType.Float32);
        var ax = NormalizeAxes("Norm", x, axes);
        if (Eager.Runs(x)) return Eager.Fused($"norm{ord:R}", Eager.Pack(ax, keepDims), x, t => Norm(t, ord, ax, keepDims));
        if (double.IsPositiveInfinity(ord)) return Max(Abs(x), ax, keepDims);
        if (double.IsNegativeInfinity(ord)) return Min(Abs(x), ax, keepDims);
        if (ord == 1) return Sum(Abs(x), ax, keepDims);
        if (ord == 0) return Sum(Cast(NotEqual(x, 0.0), x.DType), ax, keepDims);
        var powered = ord == 2 ? Sum(x * x, ax, keepDims) : Sum(Pow(Abs(x), ord), ax, keepDims);
        // The root has an infinite slope at 0: route zero sums around it (the double-where trick) so the
        // gradient there is 0 and nothing non-finite reaches the backward pass.
        var zero = Equal(powered, 0.0);
        var safe = Where(zero, 1.0, powered);
        var root = ord == 2 ? Sqrt(safe) : Pow(safe, 1 / ord);
        return Where(zero, 0.0, root);
    }

    /// <summary>The vector p-norm over one axis; see <see cref="Norm(Tensor, double, int[], bool)"/>.</summary>
    public static Tensor Norm(Tensor x, double ord, int axis, bool keepDims = false) => Norm(x, ord, [axis], keepDims);

    // ---- boolean reductions -------------------------------------------------------------------------------

    /// <summary>
    /// True where any element over <paramref name="axes"/> (all when null) is true (bool in, bool out; a numeric
    /// tensor counts its non-zero elements as true). An empty reduction is false.
    /// </summary>
    public static Tensor Any(Tensor x, int[]? axes = null, bool keepDims = false) => BoolReduce(OpCode.ReduceMax, "Any", x, axes, keepDims);

    /// <summary>True where any element over one axis is true.</summary>
    public static Tensor Any(Tensor x, int axis, bool keepDims = false) => Any(x, [axis], keepDims);

    /// <summary>
    /// True where every element over <paramref name="axes"/> (all when null) is true (bool in, bool out; a numeric
    /// tensor counts its non-zero elements as true). An empty reduction is true.
    /// </summary>
    public static Tensor All(Tensor x, int[]? axes = null, bool keepDims = false) => BoolReduce(OpCode.ReduceMin, "All", x, axes, keepDims);

    /// <summary>True where every element over one axis is true.</summary>
    public static Tensor All(Tensor x, int axis, bool keepDims = false) => All(x, [axis], keepDims);

    /// <summary>Composite: max (any) or min (all) of the elements as 0/1 integers; the empty identities give false/true.</summary>
    private static Tensor BoolReduce(OpCode op, string name, Tensor x, int[]? axes, bool keepDims)
    {
        NotNull(x, name);
        var truth = x.DType == DType.Bool ? x : NotEqual(x, 0);
        return Greater(Reduce(op, name, Cast(truth, DType.Int32), axes, keepDims), 0);
    }
}
