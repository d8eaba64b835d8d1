using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// matmul(a, b): a[..., m, k] @ b[..., k, n] -> [...batch, m, n]; both operands rank >= 2 (the front end promotes
/// vectors), batch axes broadcast NumPy-style, one float or i32 dtype. The reference accumulates floats in double.
/// </summary>
internal sealed class MatMulRule() : PrimitiveRule(OpCode.MatMul)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        TensorType a = inputs[0], b = inputs[1];
        Checks.SameDType(Op, a, b);
        Checks.Numeric(Op, a, allowInt32: true);
        if (a.Shape.Rank < 2 || b.Shape.Rank < 2)
            throw Checks.Error(Op, $"operands must have rank >= 2, got {a.Shape} and {b.Shape}; reshape a vector to a " +
                "[1,k] or [k,1] matrix first");
        int k1 = a.Shape.Dims[^1], k2 = b.Shape.Dims[^2];
        if (k1 != k2)
            throw Checks.Error(Op, $"shapes {a.Shape} and {b.Shape} do not match: contraction dimension {k1} != {k2} " +
                "(a[...,m,k] @ b[...,k,n])");
        var (batchA, batchB) = (BatchShape(a.Shape), BatchShape(b.Shape));
        var batch = Shape.TryBroadcast(batchA, batchB) ?? throw Checks.Error(Op,
            $"batch dimensions {batchA} and {batchB} of shapes {a.Shape} and {b.Shape} cannot be broadcast together " +
            "(NumPy rules: trailing dimensions must match or be 1)");
        var dims = new int[batch.Rank + 2];
        batch.Dims.CopyTo(dims);
        dims[^2] = a.Shape.Dims[^2];
        dims[^1] = b.Shape.Dims[^1];
        return new TensorType(new Shape(dims), a.DType);
    }

    private static Shape BatchShape(Shape s) => new(s.Dims[..^2].ToArray());

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        Shape sa = inputTypes[0].Shape, sb = inputTypes[1].Shape;
        int m = sa.Dims[^2], k = sa.Dims[^1], n = sb.Dims[^1];
        var batch = BatchShape(output.Shape);
        // Which matrix of a and of b each output matrix uses (broadcast batch axes).
        var batchA = HostArrays.BroadcastMap(BatchShape(sa), batch);
        var batchB = HostArrays.BroadcastMap(BatchShape(sb), batch);
        if (output.DType == DType.Int32)
        {
            int[] a = (int[])inputs[0], b = (int[])inputs[1];
            var r = new int[output.Shape.Size];
            for (int p = 0; p < batchA.Length; p++)
            {
                int oa = batchA[p] * m * k, ob = batchB[p] * k * n, or = p * m * n;
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        int acc = 0;
                        for (int t = 0; t < k; t++) acc = unchecked(acc + a[oa + i * k + t] * b[ob + t * n + j]);
                        r[or + i * n + j] = acc;
                    }
                }
            }
            return r;
        }
        double[] ad = HostArrays.ToDouble(inputs[0]), bd = HostArrays.ToDouble(inputs[1]);
        var rd = new double[output.Shape.Size];
        for (int p = 0; p < batchA.Length; p++)
        {
            int oa = batchA[p] * m * k, ob = batchB[p] * k * n, or = p * m * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int t = 0; t < k; t++) acc += ad[oa + i * k + t] * bd[ob + t * n + j];
                    rd[or + i * n + j] = acc;
                }
            }
        }
        return HostArrays.FromDouble(rd, output.DType);
    }

    /// <summary>dA = ct @ B^T, dB = A^T @ ct, each summed over the batch axes its operand was broadcast along.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        if (!output.DType.IsFloat()) return [null, null];
        Node a = output.Inputs[0], b = output.Inputs[1];
        return
        [
            Ir.SumToShape(Ir.MatMul(cotangent, Ir.TransposeLast2(b)), a.Shape),
            Ir.SumToShape(Ir.MatMul(Ir.TransposeLast2(a), cotangent), b.Shape),
        ];
    }

    /// <summary>Product rule: ta @ b + a @ tb (each already of the output's shape).</summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (!output.DType.IsFloat()) return null;
        Node a = output.Inputs[0], b = output.Inputs[1];
        var da = tangents[0] is { } ta ? Ir.MatMul(ta, b) : null;
        var db = tangents[1] is { } tb ? Ir.MatMul(a, tb) : null;
        return da is null ? db : db is null ? da : da + db;
    }

    /// <summary>
    /// The vmap batch becomes a leading matmul batch axis. Batch axes broadcast like elementwise operands, so the
    /// same alignment applies: a batched operand gets size-1 axes after the batch up to the larger per-example rank,
    /// an unbatched one broadcasts along it.
    /// </summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        BatchAxes.Broadcasting(Op, attrs, args, axes);
}

internal static class MatMulRules
{
    public static PrimitiveRule[] Create() => [new MatMulRule()];
}
