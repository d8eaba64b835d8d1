using Tracer.Compiler;
using static Tracer.Rules.LinalgIr;

namespace Tracer.Rules;

/// <summary>
/// svd(a): reduced singular value decomposition of a [..., m, n] = U diag(S) Vh: result 0 = U [..., m, k], result 1 =
/// S [..., k] descending, result 2 = Vh [..., k, n], k = min(m, n). Each singular pair's sign is arbitrary.
/// Derivatives (JAX's rule): with dP = U^T dA V and F[i, j] = 1 / (s_j^2 - s_i^2), dS = diag(dP),
/// dU = U (F ∘ (dP S + S dP^T)) (+ (I - U U^T) dA V S^-1 when m > n), dV = V (F ∘ (S dP + dP^T S)) (+ the
/// transposed term when n > m). Degenerate singular values get F = 0 (exact for losses invariant under rotations
/// within the singular subspace, e.g. functions of S); a zero singular value with m != n makes S^-1 terms 0.
/// </summary>
internal sealed class SvdRule() : PrimitiveRule(OpCode.Svd)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        LinalgChecks.Matrix(Op, inputs[0]);
        LinalgChecks.Index(Op, attrs, 3);
        var a = inputs[0];
        int m = a.Shape[^2], n = a.Shape[^1], k = Math.Min(m, n);
        int[] tail = attrs.Index switch { 0 => [m, k], 1 => [k], _ => [k, n] };
        return new TensorType(LinalgChecks.WithMatrix(a.Shape, tail), a.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        var sh = inputTypes[0].Shape;
        int m = sh[^2], n = sh[^1], k = Math.Min(m, n), count = LinalgChecks.Count(sh);
        var u = new double[count * m * k];
        var s = new double[count * k];
        var vh = new double[count * k * n];
        for (int b = 0; b < count; b++) LinalgReference.Svd(a, b * m * n, m, n, u, b * m * k, s, b * k, vh, b * k * n);
        return HostArrays.FromDouble(attrs.Index switch { 0 => u, 1 => s, _ => vh }, output.DType);
    }

    /// <summary>F[i, j] = 1 / (s_j^2 - s_i^2), 0 on the diagonal and for degenerate pairs.</summary>
    private static Node Gaps(Node s) => InverseGaps(s * s);

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var a = output.Inputs[0];
        var (u, s, vh) = (Result(Op, 0, a), Result(Op, 1, a), Result(Op, 2, a));
        int m = a.Shape[^2], n = a.Shape[^1];
        Node inner, extra = null!;
        switch (output.Attrs.Index)
        {
            case 1:
                return [Ir.MatMul(Ir.MatMul(u, DiagEmbed(cotangent)), vh)];
            case 0:
            {
                var j = Ir.MatMul(T(u), cotangent);
                inner = ScaleColumns(Gaps(s) * (j - T(j)), s);
                if (m > n) extra = Ir.MatMul(ScaleColumns(cotangent - Ir.MatMul(u, j), SafeReciprocal(s)), vh);
                break;
            }
            default:
            {
                var k = Ir.MatMul(vh, T(cotangent));
                inner = ScaleRows(Gaps(s) * (k - T(k)), s);
                if (n > m) extra = Ir.MatMul(u, ScaleRows(cotangent - Ir.MatMul(Ir.MatMul(cotangent, T(vh)), vh), SafeReciprocal(s)));
                break;
            }
        }
        var ct = Ir.MatMul(Ir.MatMul(u, inner), vh);
        return [extra is null ? ct : ct + extra];
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (tangents[0] is not { } da) return null;
        var a = output.Inputs[0];
        var (u, s, vh) = (Result(Op, 0, a), Result(Op, 1, a), Result(Op, 2, a));
        int m = a.Shape[^2], n = a.Shape[^1];
        var v = T(vh);
        var dp = Ir.MatMul(Ir.MatMul(T(u), da), v);
        switch (output.Attrs.Index)
        {
            case 1:
                return Diagonal(dp);
            case 0:
            {
                var dps = ScaleColumns(dp, s);
                var du = Ir.MatMul(u, Gaps(s) * (dps + T(dps)));
                if (m > n)
                {
                    var dav = Ir.MatMul(da, v);
                    du += ScaleColumns(dav - Ir.MatMul(u, Ir.MatMul(T(u), dav)), SafeReciprocal(s));
                }
                return du;
            }
            default:
            {
                var sdp = ScaleRows(dp, s);
                var dv = Ir.MatMul(v, Gaps(s) * (sdp + T(sdp)));
                if (n > m)
                {
                    var dau = Ir.MatMul(T(da), u);
                    dv += ScaleColumns(dau - Ir.MatMul(v, Ir.MatMul(vh, dau)), SafeReciprocal(s));
                }
                return T(dv);
            }
        }
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}
