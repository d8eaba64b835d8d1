using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>Shape and dtype validation shared by the linear-algebra primitives, plus the per-matrix batch loop.</summary>
internal static class LinalgChecks
{
    /// <summary>A float operand of rank >= 2 (a stack of matrices over its leading axes).</summary>
    public static void Matrix(OpCode op, TensorType x, string what = "operand")
    {
        if (!x.DType.IsFloat())
            throw Checks.Error(op, $"the {what} must be f32 or f64, got {x}; cast it with Cast(x, DType.Float64)");
        if (x.Shape.Rank < 2)
            throw Checks.Error(op, $"the {what} must have rank >= 2 (a matrix, or a batch of them over leading axes), " +
                $"got {x}; reshape a vector to a matrix first");
    }

    /// <summary>A float stack of square matrices.</summary>
    public static void Square(OpCode op, TensorType x, string what = "operand")
    {
        Matrix(op, x, what);
        if (x.Shape[^1] != x.Shape[^2])
            throw Checks.Error(op, $"the {what} must be square in its last two axes, got {x}");
    }

    /// <summary>For a x = b solvers: a [..., n, n] and b [..., n, k] with the same batch axes and dtype.</summary>
    public static TensorType SolveOperands(OpCode op, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(op, inputs, 2);
        TensorType a = inputs[0], b = inputs[1];
        Square(op, a, "matrix a");
        Matrix(op, b, "right-hand side b");
        Checks.SameDType(op, a, b);
        if (a.Shape.Rank != b.Shape.Rank || !a.Shape.Dims[..^2].SequenceEqual(b.Shape.Dims[..^2]) || b.Shape[^2] != a.Shape[^1])
            throw Checks.Error(op, $"a {a.Shape} and b {b.Shape} do not match: expected a [..., n, n] and b [..., n, k] " +
                "with the same leading (batch) axes; broadcast them to a common batch shape first");
        return b;
    }

    /// <summary>Leading (batch) shape of a stack of matrices, with one trailing part replaced.</summary>
    public static Shape WithMatrix(Shape batchOf, params int[] tail)
    {
        var dims = new int[batchOf.Rank - 2 + tail.Length];
        batchOf.Dims[..^2].CopyTo(dims);
        tail.CopyTo(dims, batchOf.Rank - 2);
        return new Shape(dims);
    }

    /// <summary>The number of matrices in a stack.</summary>
    public static int Count(Shape s)
    {
        int count = 1;
        for (int i = 0; i < s.Rank - 2; i++) count *= s[i];
        return count;
    }

    public static void Index(OpCode op, Attrs attrs, int results)
    {
        if (attrs.Index < 0 || attrs.Index >= results)
            throw Checks.Error(op, $"result index {attrs.Index} is out of range: it has {results} results");
    }
}
