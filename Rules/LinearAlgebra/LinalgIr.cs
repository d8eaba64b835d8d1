using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// IR building blocks of the linear-algebra rules (all on the last two axes, broadcasting over the leading ones):
/// triangle masks, diagonals, symmetrisation and the primitives themselves. Masks are small constants multiplied
/// in, so every helper is differentiable again through mul.
/// </summary>
internal static class LinalgIr
{
    public static Node T(Node x) => Ir.TransposeLast2(x);

    public static Node TriangularSolve(Node a, Node b, bool lower, bool transposeA) =>
        Ir.B.Emit(OpCode.TriangularSolve, new Attrs { Lower = lower, TransposeA = transposeA }, a, b);

    public static Node Solve(Node a, Node b) => Ir.B.Emit(OpCode.Solve, Attrs.None, a, b);

    /// <summary>Result <paramref name="index"/> of a decomposition with several results.</summary>
    public static Node Result(OpCode op, int index, Node a) => Ir.B.Emit(op, new Attrs { Index = index }, a);

    /// <summary>x B^-1 for upper triangular B: (B^-T x^T)^T.</summary>
    public static Node RightSolveUpper(Node x, Node upper, bool transposeB) =>
        T(TriangularSolve(upper, T(x), lower: false, transposeA: !transposeB));

    /// <summary>A rows x cols 0/1 matrix with ones where <paramref name="keep"/>(i, j) holds.</summary>
    public static Node Mask(int rows, int cols, DType dtype, Func<int, int, bool> keep, double diagonal = 1)
    {
        var data = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) data[i * cols + j] = i == j ? (keep(i, j) ? diagonal : 0) : keep(i, j) ? 1 : 0;
        return Ir.B.Constant(HostArrays.FromDouble(data, dtype), new Shape(rows, cols));
    }

    /// <summary>Entries on or below diagonal <paramref name="k"/> (NumPy tril).</summary>
    public static Node Tril(Node x, int k = 0) => x * Mask(x.Shape[^2], x.Shape[^1], x.DType, (i, j) => j - i <= k);

    /// <summary>Entries on or above diagonal <paramref name="k"/> (NumPy triu).</summary>
    public static Node Triu(Node x, int k = 0) => x * Mask(x.Shape[^2], x.Shape[^1], x.DType, (i, j) => j - i >= k);

    public static Node Eye(int n, DType dtype) => Mask(n, n, dtype, (i, j) => i == j);

    /// <summary>(x + x^T) / 2.</summary>
    public static Node Sym(Node x) => (x + T(x)) * 0.5;

    /// <summary>The diagonal of square matrices: [..., n, n] -> [..., n].</summary>
    public static Node Diagonal(Node x) => Ir.ReduceSum(x * Eye(x.Shape[^1], x.DType), x.Shape.Rank - 1);

    /// <summary>Vectors as diagonal matrices: [..., n] -> [..., n, n].</summary>
    public static Node DiagEmbed(Node v) => RowVector(v) * Eye(v.Shape[^1], v.DType);

    /// <summary>Column j of x scaled by v[j] (x diag(v)).</summary>
    public static Node ScaleColumns(Node x, Node v) => x * RowVector(v);

    /// <summary>Row i of x scaled by v[i] (diag(v) x).</summary>
    public static Node ScaleRows(Node x, Node v) => x * ColumnVector(v);

    /// <summary>[..., n] -> [..., 1, n].</summary>
    public static Node RowVector(Node v) => Ir.Reshape(v, Insert(v.Shape, v.Shape.Rank - 1, 1));

    /// <summary>[..., n] -> [..., n, 1].</summary>
    public static Node ColumnVector(Node v) => Ir.Reshape(v, Insert(v.Shape, v.Shape.Rank, 1));

    /// <summary>[...] -> [..., 1, 1].</summary>
    public static Node AsMatrix(Node s)
    {
        var dims = new int[s.Shape.Rank + 2];
        s.Shape.Dims.CopyTo(dims);
        dims[^1] = dims[^2] = 1;
        return Ir.Reshape(s, new Shape(dims));
    }

    /// <summary>The identity matrix broadcast to <paramref name="shape"/> [..., n, n].</summary>
    public static Node EyeLike(Shape shape, DType dtype) => Ir.Broadcast(Eye(shape[^1], dtype), shape);

    /// <summary>
    /// The matrix F[i, j] = 1 / (d[j] - d[i]) of the eigen- and singular-vector rules, with 0 wherever the gap is
    /// within rounding of zero (the diagonal and degenerate pairs), so those pairs contribute nothing instead of inf.
    /// </summary>
    public static Node InverseGaps(Node d)
    {
        var gaps = RowVector(d) - ColumnVector(d);
        int n = d.Shape[^1];
        double eps = d.DType == DType.Float32 ? 1.2e-7 : 2.2e-16;
        var scale = Ir.ReduceMax(Ir.Abs(d), d.Shape.Rank - 1);
        var tol = AsMatrix(scale) * (eps * n * 4);
        var apart = Ir.Gt(Ir.Abs(gaps), tol);
        var one = Ir.OnesLike(gaps);
        return Ir.Select(apart, one / Ir.Select(apart, gaps, one), Ir.ZerosLike(gaps));
    }

    /// <summary>1/x where x != 0, else 0.</summary>
    public static Node SafeReciprocal(Node x)
    {
        var nonzero = Ir.Ne(x, Ir.ZerosLike(x));
        var one = Ir.OnesLike(x);
        return Ir.Select(nonzero, one / Ir.Select(nonzero, x, one), Ir.ZerosLike(x));
    }

    private static Shape Insert(Shape s, int axis, int size)
    {
        var dims = new List<int>(s.ToArray());
        dims.Insert(axis, size);
        return new Shape(dims.ToArray());
    }

    /// <summary>
    /// Batching rule shared by every linear-algebra primitive: they are batched over leading axes already, so the
    /// vmap batch moves to the front of every operand (an unbatched one is broadcast) and the op runs once.
    /// </summary>
    public static (Node Output, int Axis) Batch(OpCode op, Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        if (op is OpCode.Solve or OpCode.TriangularSolve && axes[0] < 0)
        {
            // Only the right-hand sides are batched: they become more columns of one solve with the shared matrix
            // (b [..., n, B, k] -> [..., n, B*k]), which factors the matrix once instead of once per example.
            var b = args[1];
            int r = b.Shape.Rank;
            var moved1 = Batching.MoveBatchAxis(b, axes[1], r - 2, batchSize);
            var dims = moved1.Shape.ToArray();
            var columns = (int[])dims[..^1].Clone();
            columns[^1] = dims[^2] * dims[^1];
            var x = Ir.B.Emit(op, attrs, args[0], Ir.Reshape(moved1, new Shape(columns)));
            return (Ir.Reshape(x, new Shape(dims)), r - 2);
        }
        var moved = new Node[args.Length];
        for (int i = 0; i < args.Length; i++) moved[i] = BatchAxes.Materialize(args[i], axes[i], batchSize);
        return (Ir.B.Emit(op, attrs, moved), 0);
    }
}
