using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    /// <summary>
    /// NumPy matmul: 2-D matrix product; a 1-D operand is promoted to a matrix (a row on the left, a column on the
    /// right) and the added axis removed again; higher ranks are stacks of matrices with broadcast batch axes.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        NotNull(a, "MatMul", "a");
        NotNull(b, "MatMul", "b");
        if (a.Shape.Rank == 0 || b.Shape.Rank == 0)
        {
            throw new ArgumentException(
                $"matmul: operands must have at least one dimension, got shapes {a.Shape} and {b.Shape}; use * for scalars");
        }
        (a, b) = Promote(a, b);
        bool vecA = a.Shape.Rank == 1, vecB = b.Shape.Rank == 1;
        var a2 = vecA ? Reshape(a, 1, a.Shape[0]) : a;
        var b2 = vecB ? Reshape(b, b.Shape[0], 1) : b;
        if (a2.Shape[a2.Shape.Rank - 1] != b2.Shape[b2.Shape.Rank - 2])
        {
            throw new ArgumentException(
                $"matmul: shapes {a.Shape} and {b.Shape} do not match: contraction dimension {a2.Shape[a2.Shape.Rank - 1]} != {b2.Shape[b2.Shape.Rank - 2]}");
        }
        var r = Dispatch.Apply(OpCode.MatMul, Attrs.None, a2, b2);
        if (!vecA && !vecB) return r;
        var dims = new List<int>(r.Shape.ToArray());
        if (vecB) dims.RemoveAt(dims.Count - 1);
        if (vecA) dims.RemoveAt(dims.Count - (vecB ? 1 : 2));
        return Reshape(r, dims.ToArray());
    }

    /// <summary>Inner product of vectors, matrix product otherwise (NumPy dot for ranks up to 2).</summary>
    public static Tensor Dot(Tensor a, Tensor b)
    {
        NotNull(a, "Dot", "a");
        NotNull(b, "Dot", "b");
        if (a.Shape.Rank > 2 || b.Shape.Rank > 2)
            throw new ArgumentException($"Dot: supports operands of rank 1 or 2, got shapes {a.Shape} and {b.Shape}; use MatMul for stacks");
        return MatMul(a, b);
    }

    /// <summary>The outer product of two vectors: result[i, j] = a[i] * b[j].</summary>
    public static Tensor Outer(Tensor a, Tensor b)
    {
        NotNull(a, "Outer", "a");
        NotNull(b, "Outer", "b");
        return Reshape(a, -1, 1) * Reshape(b, 1, -1);
    }
}
