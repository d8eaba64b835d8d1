using Tracer.Compiler;
using static Tracer.Rules.LinalgIr;

namespace Tracer.Rules;

/// <summary>
/// cholesky(a): the lower factor L of symmetric positive definite matrices, L L^T = a, batched over leading axes.
/// It factors the symmetric part (a + a^T) / 2 (as JAX does), so its derivative is symmetric; a matrix that is not
/// positive definite gives a factor of NaNs (as LAPACK-backed JAX). Derivatives follow Murray (2016): dL = L Φ(L^-1 dA L^-T), Φ taking the lower triangle with
/// the diagonal halved, so the pullback is two triangular solves; the cotangent is symmetric.
/// </summary>
internal sealed class CholeskyRule() : PrimitiveRule(OpCode.Cholesky)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        LinalgChecks.Square(Op, inputs[0]);
        return inputs[0];
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        int n = output.Shape[^1];
        var l = new double[a.Length];
        for (int m = 0; m < LinalgChecks.Count(output.Shape); m++) LinalgReference.Cholesky(a, m * n * n, n, l, m * n * n);
        return HostArrays.FromDouble(l, output.DType);
    }

    /// <summary>Φ: the lower triangle with the diagonal halved.</summary>
    private static Node Phi(Node x) => x * Mask(x.Shape[^1], x.Shape[^1], x.DType, (i, j) => j <= i, diagonal: 0.5);

    /// <summary>ct_a = sym(L^-T Φ(L^T ct) L^-1).</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var l = output;
        var p = Phi(Ir.MatMul(T(l), cotangent));
        var left = TriangularSolve(l, p, lower: true, transposeA: true);               // L^-T P
        var both = T(TriangularSolve(l, T(left), lower: true, transposeA: true));      // (L^-T (L^-T P)^T)^T = L^-T P L^-1
        return [Sym(both)];
    }

    /// <summary>dL = L Φ(L^-1 sym(dA) L^-T).</summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (tangents[0] is not { } da) return null;
        var l = output;
        var left = TriangularSolve(l, Sym(da), lower: true, transposeA: false);        // L^-1 dA
        var both = T(TriangularSolve(l, T(left), lower: true, transposeA: false));     // L^-1 dA L^-T
        return Ir.MatMul(l, Phi(both));
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}

/// <summary>
/// triangular_solve[lower, transpose_a](a, b): X with op(a) X = b, op the identity or the transpose, a triangular
/// (only the named triangle is read). A zero on the diagonal gives infinities or NaNs. Derivatives: ct_b is a solve
/// with the opposite transpose, ct_a = -ct_b X^T (or -X ct_b^T when transposed) restricted to the triangle.
/// </summary>
internal sealed class TriangularSolveRule() : PrimitiveRule(OpCode.TriangularSolve)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs) => LinalgChecks.SolveOperands(Op, inputs);

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        var x = (double[])HostArrays.ToDouble(inputs[1]).Clone();
        int n = inputTypes[0].Shape[^1], k = output.Shape[^1];
        for (int m = 0; m < LinalgChecks.Count(output.Shape); m++)
            LinalgReference.TriangularSolve(a, m * n * n, n, x, m * n * k, k, attrs.Lower, attrs.TransposeA);
        return HostArrays.FromDouble(x, output.DType);
    }

    private static Node Triangle(Node x, bool lower) => lower ? Tril(x) : Triu(x);

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var a = output.Inputs[0];
        bool lower = output.Attrs.Lower, trans = output.Attrs.TransposeA;
        var ctB = TriangularSolve(a, cotangent, lower, !trans);
        var ctA = trans ? Ir.MatMul(output, T(ctB)) : Ir.MatMul(ctB, T(output));
        return [-Triangle(ctA, lower), ctB];
    }

    /// <summary>dX = op(a)^-1 (db - op(da) X).</summary>
    public override Node? Jvp(Node output, Node?[] tangents)
    {
        var a = output.Inputs[0];
        bool lower = output.Attrs.Lower, trans = output.Attrs.TransposeA;
        Node? rhs = tangents[1];
        if (tangents[0] is { } da)
        {
            var t = Triangle(da, lower);
            var term = Ir.MatMul(trans ? T(t) : t, output);
            rhs = rhs is null ? -term : rhs - term;
        }
        return rhs is null ? null : TriangularSolve(a, rhs, lower, trans);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}
