using Tracer.Compiler;
using Tracer.Rules;
using static Tracer.Compiler.Ir;
using static Tracer.Rules.LinalgIr;

namespace Tracer.Tests;

/// <summary>
/// Gradient cases of the linear-algebra primitives. Inputs are made well-posed inside the case (a positive definite
/// x x^T + n I, a diagonally shifted matrix for solves), and outputs whose sign is arbitrary (eigen- and singular
/// vectors, Q and R) enter through sign-invariant products, so finite differences see a smooth function.
/// </summary>
internal static class LinalgCases
{
    private static Node Shifted(Node x, double by) => x + EyeLike(x.Shape, x.DType) * by;

    private static Node Spd(Node x) => Shifted(MatMul(x, T(x)), x.Shape[^1]);

    /// <summary>Symmetric matrices from x whose eigenvalues are at least <paramref name="gap"/> apart.</summary>
    private static Func<double[][], bool> EigenGaps(int n, double gap) => xs =>
    {
        var x = xs[0];
        for (int o = 0; o < x.Length; o += n * n)
        {
            var a = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) a[i * n + j] = (x[o + i * n + j] + x[o + j * n + i]) / 2;
            var (w, v) = (new double[n], new double[n * n]);
            LinalgReference.Eigh(a, 0, n, w, 0, v, 0);
            for (int i = 1; i < n; i++)
                if (w[i] - w[i - 1] < gap) return false;
        }
        return true;
    };

    /// <summary>Matrices whose singular values are at least <paramref name="gap"/> apart and above it.</summary>
    private static Func<double[][], bool> SingularGaps(int m, int n, double gap) => xs =>
    {
        var x = xs[0];
        int k = Math.Min(m, n);
        for (int o = 0; o < x.Length; o += m * n)
        {
            var (u, s, vh) = (new double[m * k], new double[k], new double[k * n]);
            LinalgReference.Svd(x, o, m, n, u, 0, s, 0, vh, 0);
            for (int i = 0; i < k; i++)
                if (s[i] < gap || (i > 0 && s[i - 1] - s[i] < gap)) return false;
        }
        return true;
    };

    private static Node SignFree(Node x) => x * x;

    public static readonly GradCase[] All =
    [
        new("cholesky [3,3]", OpCode.Cholesky, [[3, 3]], xs => B.Emit(OpCode.Cholesky, Attrs.None, Spd(xs[0]))),
        new("cholesky [2,3,3]", OpCode.Cholesky, [[2, 3, 3]], xs => B.Emit(OpCode.Cholesky, Attrs.None, Spd(xs[0]))),
        new("triangular_solve lower", OpCode.TriangularSolve, [[3, 3], [3, 2]], xs => TriangularSolve(Shifted(xs[0], 3), xs[1], true, false)),
        new("triangular_solve lower transposed", OpCode.TriangularSolve, [[3, 3], [3, 2]], xs => TriangularSolve(Shifted(xs[0], 3), xs[1], true, true)),
        new("triangular_solve upper", OpCode.TriangularSolve, [[2, 3, 3], [2, 3, 1]], xs => TriangularSolve(Shifted(xs[0], 3), xs[1], false, false)),
        new("triangular_solve upper transposed", OpCode.TriangularSolve, [[3, 3], [3, 2]], xs => TriangularSolve(Shifted(xs[0], 3), xs[1], false, true)),
        new("solve [3,3] [3,2]", OpCode.Solve, [[3, 3], [3, 2]], xs => Solve(Shifted(xs[0], 2), xs[1])),
        new("solve [2,3,3] [2,3,1]", OpCode.Solve, [[2, 3, 3], [2, 3, 1]], xs => Solve(Shifted(xs[0], 2), xs[1])),
        new("slogdet log|det|", OpCode.SlogDet, [[2, 3, 3]], xs => Result(OpCode.SlogDet, 1, Shifted(xs[0], 2))),
        new("slogdet sign times log|det|", OpCode.SlogDet, [[3, 3]],
            xs => Result(OpCode.SlogDet, 0, Shifted(xs[0], -2)) * Result(OpCode.SlogDet, 1, Shifted(xs[0], -2))),
        new("eigh values", OpCode.Eigh, [[2, 3, 3]], xs => Result(OpCode.Eigh, 0, xs[0])) { Accept = EigenGaps(3, 0.1) },
        new("eigh vectors (squared)", OpCode.Eigh, [[3, 3]], xs => SignFree(Result(OpCode.Eigh, 1, xs[0]))) { Accept = EigenGaps(3, 0.2) },
        new("qr product q r", OpCode.Qr, [[4, 3]], xs => MatMul(Result(OpCode.Qr, 0, xs[0]), Result(OpCode.Qr, 1, xs[0]))) { Accept = SingularGaps(4, 3, 0.1) },
        new("qr q (squared)", OpCode.Qr, [[4, 3]], xs => SignFree(Result(OpCode.Qr, 0, xs[0]))) { Accept = SingularGaps(4, 3, 0.1) },
        new("qr r (squared) [2,3,3]", OpCode.Qr, [[2, 3, 3]], xs => SignFree(Result(OpCode.Qr, 1, xs[0]))) { Accept = SingularGaps(3, 3, 0.1) },
        new("svd s [2,3,2]", OpCode.Svd, [[2, 3, 2]], xs => Result(OpCode.Svd, 1, xs[0])) { Accept = SingularGaps(3, 2, 0.1) },
        new("svd u (squared) [4,3]", OpCode.Svd, [[4, 3]], xs => SignFree(Result(OpCode.Svd, 0, xs[0]))) { Accept = SingularGaps(4, 3, 0.2) },
        new("svd u (squared) [3,4]", OpCode.Svd, [[3, 4]], xs => SignFree(Result(OpCode.Svd, 0, xs[0]))) { Accept = SingularGaps(3, 4, 0.2) },
        new("svd vh (squared) [4,3]", OpCode.Svd, [[4, 3]], xs => SignFree(Result(OpCode.Svd, 2, xs[0]))) { Accept = SingularGaps(4, 3, 0.2) },
        new("svd vh (squared) [3,4]", OpCode.Svd, [[3, 4]], xs => SignFree(Result(OpCode.Svd, 2, xs[0]))) { Accept = SingularGaps(3, 4, 0.2) },
    ];
}
