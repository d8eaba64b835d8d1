using Tracer.Compiler;
using static Tracer.Rules.LinalgIr;

namespace Tracer.Rules;

/// <summary>
/// qr(a): reduced QR of a [..., m, n] by Householder reflections: result 0 = Q [..., m, k] with orthonormal columns,
/// result 1 = upper triangular R [..., k, n], k = min(m, n); LAPACK's signs (R's diagonal may be negative).
/// Derivatives for m >= n (JAX's rule): C = Q^T dA R^-1, Ω = tril(C, -1) - tril(C, -1)^T, dQ = Q (Ω - C) + dA R^-1,
/// dR = (C - Ω) R; its transpose is ct_a = (Q̄ + Q copyutl(R̄ R^T - Q^T Q̄)) R^-T. A rank-deficient a has a singular R
/// and infinite or NaN derivatives.
/// </summary>
internal sealed class QrRule() : PrimitiveRule(OpCode.Qr)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        LinalgChecks.Matrix(Op, inputs[0]);
        LinalgChecks.Index(Op, attrs, 2);
        var a = inputs[0];
        int m = a.Shape[^2], n = a.Shape[^1], k = Math.Min(m, n);
        return new TensorType(LinalgChecks.WithMatrix(a.Shape, attrs.Index == 0 ? [m, k] : [k, n]), a.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        var s = inputTypes[0].Shape;
        int m = s[^2], n = s[^1], k = Math.Min(m, n), count = LinalgChecks.Count(s);
        var q = new double[count * m * k];
        var r = new double[count * k * n];
        for (int b = 0; b < count; b++) LinalgReference.Qr(a, b * m * n, m, n, q, b * m * k, r, b * k * n);
        return HostArrays.FromDouble(attrs.Index == 0 ? q : r, output.DType);
    }

    private void RequireTall(Node a)
    {
        if (a.Shape[^2] < a.Shape[^1])
            throw Checks.Error(Op, $"derivatives are defined for m >= n only, got {a.Type}; differentiate the QR of the " +
                "transposed matrix (a^T = Q R gives a = R^T Q^T) or of its leading square block instead");
    }

    /// <summary>The symmetric matrix whose upper triangle is x's.</summary>
    private static Node CopyUpperToLower(Node x) => Triu(x) + T(Triu(x, 1));

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var a = output.Inputs[0];
        RequireTall(a);
        var q = Result(Op, 0, a);
        var r = Result(Op, 1, a);
        Node b;
        if (output.Attrs.Index == 0)
            b = cotangent + Ir.MatMul(q, CopyUpperToLower(-Ir.MatMul(T(q), cotangent)));
        else
            b = Ir.MatMul(q, CopyUpperToLower(Ir.MatMul(cotangent, T(r))));
        return [RightSolveUpper(b, r, transposeB: true)];
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (tangents[0] is not { } da) return null;
        var a = output.Inputs[0];
        RequireTall(a);
        var q = Result(Op, 0, a);
        var r = Result(Op, 1, a);
        var daRinv = RightSolveUpper(da, r, transposeB: false);
        var c = Ir.MatMul(T(q), daRinv);
        var lowerC = Tril(c, -1);
        var omega = lowerC - T(lowerC);
        return output.Attrs.Index == 0 ? Ir.MatMul(q, omega - c) + daRinv : Ir.MatMul(c - omega, r);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}
