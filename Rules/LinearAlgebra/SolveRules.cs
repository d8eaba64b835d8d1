using Tracer.Compiler;
using static Tracer.Rules.LinalgIr;

namespace Tracer.Rules;

/// <summary>
/// solve(a, b): X = a^-1 b for square a [..., n, n] and b [..., n, k] (LU with partial pivoting). A singular a gives
/// infinities or NaNs. Derivatives are solves with the same matrix: ct_b = a^-T ct, ct_a = -ct_b X^T;
/// dX = a^-1 (db - da X).
/// </summary>
internal sealed class SolveRule() : PrimitiveRule(OpCode.Solve)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs) => LinalgChecks.SolveOperands(Op, inputs);

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        var b = HostArrays.ToDouble(inputs[1]);
        int n = inputTypes[0].Shape[^1], k = output.Shape[^1];
        var x = new double[b.Length];
        for (int m = 0; m < LinalgChecks.Count(output.Shape); m++)
            LinalgReference.Solve(a, m * n * n, n, b, m * n * k, k, x, m * n * k);
        return HostArrays.FromDouble(x, output.DType);
    }

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var ctB = Solve(T(output.Inputs[0]), cotangent);
        return [-Ir.MatMul(ctB, T(output)), ctB];
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        Node? rhs = tangents[1];
        if (tangents[0] is { } da)
        {
            var term = Ir.MatMul(da, output);
            rhs = rhs is null ? -term : rhs - term;
        }
        return rhs is null ? null : Solve(output.Inputs[0], rhs);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}

/// <summary>
/// slogdet(a) with result 0 = sign of det(a) (a's float dtype: -1, 0 or 1) and result 1 = log|det(a)|, over [...]
/// (LU with partial pivoting). A singular matrix has sign 0 and log|det| = -inf. The sign is piecewise constant (no
/// gradient); d log|det a| = tr(a^-1 da), so ct_a = ct a^-T, a solve against the identity.
/// </summary>
internal sealed class SlogDetRule() : PrimitiveRule(OpCode.SlogDet)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        LinalgChecks.Square(Op, inputs[0]);
        LinalgChecks.Index(Op, attrs, 2);
        return new TensorType(LinalgChecks.WithMatrix(inputs[0].Shape), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var a = HostArrays.ToDouble(inputs[0]);
        int n = inputTypes[0].Shape[^1];
        var r = new double[output.Shape.Size];
        for (int m = 0; m < r.Length; m++)
        {
            var (sign, log) = LinalgReference.SlogDet(a, m * n * n, n);
            r[m] = attrs.Index == 0 ? sign : log;
        }
        return HostArrays.FromDouble(r, output.DType);
    }

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        if (output.Attrs.Index == 0) return [null];
        var a = output.Inputs[0];
        var invT = Solve(T(a), EyeLike(a.Shape, a.DType));
        return [AsMatrix(cotangent) * invT];
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        if (output.Attrs.Index == 0 || tangents[0] is not { } da) return null;
        var d = Diagonal(Solve(output.Inputs[0], da));
        return Ir.ReduceSum(d, d.Shape.Rank - 1);
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize) =>
        LinalgIr.Batch(Op, attrs, args, axes, batchSize);
}

internal static class LinalgRules
{
    public static PrimitiveRule[] Create() =>
        [new CholeskyRule(), new TriangularSolveRule(), new SolveRule(), new SlogDetRule(), new EighRule(), new QrRule(), new SvdRule()];
}
