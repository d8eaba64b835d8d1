using Tracer.Compiler;
using static Tracer.Rules.LinalgIr;

namespace Tracer.Rules;

/// <summary>
/// eigh(a): result 0 = eigenvalues [..., n] in ascending order, result 1 = orthonormal eigenvectors [..., n, n] (as
/// columns) of the symmetric part (a + a^T) / 2 (as JAX does, so the derivative is symmetric). Each eigenvector's
/// sign is arbitrary. Derivatives (JAX's rule): with M = V^T sym(dA) V, dλ = diag(M) and dV = V (F ∘ M), F[i, j] = 1 / (λj - λi). Degenerate eigenvalues
/// (gaps within rounding of zero) get F = 0: exact for losses invariant under rotations within an eigenspace (any
/// function of the eigenvalues, projectors onto whole eigenspaces), not defined otherwise.
/// </summary>
internal sealed class EighRule() : PrimitiveRule(OpCode.Eigh)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        LinalgChecks.Square(Op, inputs[0]);
        LinalgChecks.Index(Op, attrs, 2);
        var a = inputs[0];
        return attrs.Index == 0 ? new TensorType(LinalgChecks.WithMatrix(a.Shape, a.Shape[^1]), a.DType) : a;
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        int n = inputTypes[0].Shape[^1], count = LinalgChecks.Count(inputTypes[0].Shape);
        var w = new double[count * n];
        var v = new double[count * n * n];
        for (int m = 0; m < count; m++) LinalgReference.Eigh(a, m * n * n, n, w, m * n, v, m * n * n);
        return HostArrays.FromDouble(attrs.Index == 0 ? w : v, output.DType);
    }

    /// <summary>ct_a = V (diag(λ̄) + F ∘ (V^T V̄)) V^T, symmetrised.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var a = output.Inputs[0];
        var w = Result(Op, 0, a);
        var v = Result(Op, 1, a);
        var inner = output.Attrs.Index == 0 ? DiagEmbed(cotangent) : InverseGaps(w) * Ir.MatMul(T(v), cotangent);
        return [Sym(Ir.MatMul(Ir.MatMul(v, inner), T(v)))];
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (tangents[0] is not { } da) return null;
        var a = output.Inputs[0];
        var w = Result(Op, 0, a);
        var v = Result(Op, 1, a);
        var m = Ir.MatMul(Ir.MatMul(T(v), Sym(da)), v);
        return output.Attrs.Index == 0 ? Diagonal(m) : Ir.MatMul(v, InverseGaps(w) * m);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}
