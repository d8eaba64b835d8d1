using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Dense linear algebra on the last two axes, batched over the leading ones; f32 and f64; eager, traced, compiled,
/// under <c>Jit.Vmap</c>, and differentiable (reverse and forward mode, to any order)
/// with JAX's rules. Failures follow LAPACK-backed JAX instead of throwing: a matrix that is not positive definite
/// gives a Cholesky factor of NaNs, a singular system infinities or NaNs, a singular determinant 0 (log -inf).
/// </summary>
public static class Linalg
{
    /// <summary>The lower Cholesky factor L of symmetric positive definite <paramref name="a"/> (L L^T = a).</summary>
    public static Tensor Cholesky(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return Dispatch.Apply(OpCode.Cholesky, Attrs.None, a);
    }

    /// <summary>
    /// X with op(a) X = b for triangular <paramref name="a"/> (only its lower, or upper, triangle is read); op is
    /// the transpose when <paramref name="transposeA"/>. b is [..., n, k], or a vector [..., n] giving [..., n].
    /// </summary>
    public static Tensor TriangularSolve(Tensor a, Tensor b, bool lower = true, bool transposeA = false)
    {
        var attrs = new Attrs { Lower = lower, TransposeA = transposeA };
        return SolveLike(OpCode.TriangularSolve, "TriangularSolve", attrs, a, b);
    }

    /// <summary>X = a^-1 b (LU with partial pivoting); b is [..., n, k], or a vector [..., n] giving [..., n].</summary>
    public static Tensor Solve(Tensor a, Tensor b) => SolveLike(OpCode.Solve, "Solve", Attrs.None, a, b);

    /// <summary>The inverse of square <paramref name="a"/>: a solve against the identity.</summary>
    public static Tensor Inv(Tensor a)
    {
        RequireSquare("Inv", a);
        var eye = Eye(a.Shape[^1], a.DType);
        if (!a.IsSymbolic && !a.Device.Equals(Device.Cpu)) eye = eye.To(a.Device);   // eager on another device
        return Dispatch.Apply(OpCode.Solve, Attrs.None, a, Ops.BroadcastTo(eye, a.Shape.ToArray()));
    }

    /// <summary>The determinant of square <paramref name="a"/>: sign * exp(log|det|) from <see cref="SlogDet"/>.</summary>
    public static Tensor Det(Tensor a)
    {
        var (sign, log) = SlogDet(a);
        return sign * Ops.Exp(log);
    }

    /// <summary>
    /// Sign (-1, 0 or 1, in a's float dtype) and natural log of |det a|; a singular matrix gives (0, -inf).
    /// Prefer it to <see cref="Det"/> for large matrices, whose determinant overflows or underflows.
    /// </summary>
    public static (Tensor Sign, Tensor LogAbsDet) SlogDet(Tensor a)
    {
        RequireSquare("SlogDet", a);
        var r = Results(OpCode.SlogDet, 2, a);
        return (r[0], r[1]);
    }

    /// <summary>
    /// Eigenvalues (ascending) and orthonormal eigenvectors (the columns of Vectors) of symmetric <paramref name="a"/>;
    /// only its lower triangle is read. a = V diag(Values) V^T.
    /// </summary>
    public static (Tensor Values, Tensor Vectors) Eigh(Tensor a)
    {
        RequireSquare("Eigh", a);
        var r = Results(OpCode.Eigh, 2, a);
        return (r[0], r[1]);
    }

    /// <summary>Reduced QR: a [..., m, n] = Q [..., m, k] R [..., k, n], k = min(m, n); derivatives need m >= n.</summary>
    public static (Tensor Q, Tensor R) Qr(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = Results(OpCode.Qr, 2, a);
        return (r[0], r[1]);
    }

    /// <summary>Reduced SVD: a [..., m, n] = U [..., m, k] diag(S) Vh [..., k, n], S descending, k = min(m, n).</summary>
    public static (Tensor U, Tensor S, Tensor Vh) Svd(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = Results(OpCode.Svd, 3, a);
        return (r[0], r[1], r[2]);
    }

    private static void RequireSquare(string what, Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Shape.Rank < 2 || a.Shape[^1] != a.Shape[^2])
            throw new ArgumentException($"{what}: expects square matrices [..., n, n], got {a.Type}");
    }

    /// <summary>
    /// a x = b solvers: a vector b [..., n] is solved as one column; the batch axes of a and b broadcast (NumPy
    /// rules) to a common batch shape before the primitive, which takes equal batch axes.
    /// </summary>
    private static Tensor SolveLike(OpCode op, string what, Attrs attrs, Tensor a, Tensor b)
    {
        RequireSquare(what, a);
        ArgumentNullException.ThrowIfNull(b);
        int n = a.Shape[^1];
        // PyTorch's rule: b is a vector when it is 1-D or is a's shape without its last axis.
        bool vector = b.Shape.Rank == 1 || (b.Shape.Rank == a.Shape.Rank - 1 && b.Shape.Dims.SequenceEqual(a.Shape.Dims[..^1]));
        if (vector) b = Ops.ExpandDims(b, b.Shape.Rank);
        if (b.Shape.Rank < 2 || b.Shape[^2] != n)
            throw new ArgumentException($"{what}: a {a.Type} and b {b.Type} do not match: b must be [..., {n}, k] or a vector [..., {n}]");
        var batchA = new Shape(a.Shape.Dims[..^2].ToArray());
        var batchB = new Shape(b.Shape.Dims[..^2].ToArray());
        var batch = Shape.TryBroadcast(batchA, batchB) ?? throw new ArgumentException(
            $"{what}: the batch axes {batchA} of a {a.Type} and {batchB} of b {b.Type} cannot be broadcast together");
        if (batch != batchA) a = Ops.BroadcastTo(a, [.. batch.Dims, n, n]);
        if (batch != batchB) b = Ops.BroadcastTo(b, [.. batch.Dims, n, b.Shape[^1]]);
        var x = Dispatch.Apply(op, attrs, a, b);
        return vector ? Ops.Squeeze(x, x.Shape.Rank - 1) : x;
    }

    private static Tensor Eye(int n, DType dtype)
    {
        if (dtype == DType.Float32)
        {
            var f = new float[n * n];
            for (int i = 0; i < n; i++) f[i * n + i] = 1;
            return Tensor.FromArray(f, n, n);
        }
        var d = new double[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1;
        return Tensor.FromArray(d, n, n);
    }

    /// <summary>
    /// Every result of a decomposition: traced, one equation per result (the lowering computes it once); eagerly,
    /// one compiled program for all of them, so the factorisation is not repeated per result.
    /// </summary>
    private static Tensor[] Results(OpCode op, int count, Tensor a)
    {
        Tensor[] Each(Tensor x)
        {
            var results = new Tensor[count];
            for (int i = 0; i < count; i++) results[i] = Dispatch.Apply(op, new Attrs { Index = i }, x);
            return results;
        }
        return Eager.Runs(a) ? Eager.FusedMany(op.Name(), count, a, Each) : Each(a);
    }
}
