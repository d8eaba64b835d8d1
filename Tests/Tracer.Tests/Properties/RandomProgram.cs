using static Tracer.Ops;

namespace Tracer.Tests.Properties;

/// <summary>
/// A small random program: a chain of steps over one f64 input x and a scalar s, each step chosen from
/// elementwise ops, broadcasting against a reduction, reductions, shape ops, gather and matmul. Every step adapts
/// to the current shape (axes modulo the rank, in-range gather indices, a weight matrix of the right size) and is
/// skipped when it does not apply, so every program is valid; constants come from the step's parameter, so the
/// same program builds the same graph traced, eager and per example. The ops are smooth away from measure-zero
/// sets, so float64 central differences apply.
/// </summary>
public sealed record RandomProgram(int[] Shape, (int Op, int Param)[] Steps, int Seed)
{
    public const int OpCount = 26;

    /// <summary>A value cap: steps that would grow the value past this many elements are skipped.</summary>
    private const int MaxSize = 48;

    public Tensor Input(int batch = 0)
    {
        var shape = batch > 0 ? [batch, .. Shape] : Shape;
        int n = 1;
        foreach (int d in shape) n *= d;
        var rng = new Random(Seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Math.Round(rng.NextDouble() * 3 - 1.5, 3) + 1e-4 * rng.NextDouble();
        return Tensor.FromArray(v, shape);
    }

    public static readonly Tensor S = Tensor.Scalar(0.7);

    public Tensor Run(Tensor x, Tensor s)
    {
        var v = x;
        foreach (var (op, p) in Steps) v = Apply(op, p, v, s);
        return v;
    }

    public override string ToString() =>
        $"x {Tracer.Shape.Format(Shape)} seed {Seed}: " + string.Join(", ", Array.ConvertAll(Steps, st => $"{Name(st.Op)}({st.Param})"));

    private static string Name(int op) => op switch
    {
        0 => "sin", 1 => "cos", 2 => "tanh", 3 => "sigmoid", 4 => "exp∘tanh", 5 => "softplus", 6 => "x·tanh x",
        7 => "2.5x-1", 8 => "x·s", 9 => "x+mean", 10 => "x·max", 11 => "x-logsumexp", 12 => "sum axis",
        13 => "softmax", 14 => "transpose", 15 => "flatten", 16 => "slice", 17 => "concat", 18 => "take",
        19 => "matmul", 20 => "broadcast", 21 => "where", 22 => "max(x, cos x)", 23 => "x·min", 24 => "cumsum",
        _ => "sort",
    };

    private static Tensor Apply(int op, int p, Tensor v, Tensor s)
    {
        int r = v.Shape.Rank, a = r == 0 ? 0 : p % r;
        switch (op)
        {
            case 0: return Sin(v);
            case 1: return Cos(v);
            case 2: return Tanh(v);
            case 3: return Sigmoid(v);
            case 4: return Exp(Tanh(v));
            case 5: return Softplus(v);
            case 6: return v * Tanh(v);
            case 7: return v * 2.5 - 1;
            case 8: return v * s;
            case 9 when r > 0: return v + Mean(v, a, keepDims: true);
            case 10 when r > 0: return v * Max(v, a, keepDims: true);
            case 11 when r > 0: return v - LogSumExp(v, a, keepDims: true);
            case 12 when r > 0: return Sum(v, a);
            case 13 when r > 0: return Softmax(v, a);
            case 14 when r > 1: return Transpose(v);
            case 15: return Reshape(v, -1);
            case 16 when r > 0 && v.Shape[a] > 1:
            {
                var starts = new int[r];
                var ends = v.Shape.ToArray();
                starts[a] = 1;
                return Slice(v, starts, ends);
            }
            case 17 when r > 0 && 2 * v.Shape.Size <= MaxSize: return Concat(a, v, Sin(v));
            case 18 when r > 0 && v.Shape[a] > 0:
            {
                int count = 1 + p % 3;
                if (v.Shape.Size / v.Shape[a] * count > MaxSize) return v;
                var idx = new int[count];
                for (int i = 0; i < count; i++) idx[i] = (p / 3 + 7 * i) % v.Shape[a];
                return Take(v, Tensor.FromArray(idx, count), a);
            }
            case 19 when r > 0:
            {
                int k = v.Shape[r - 1];
                var w = new double[k * 2];
                for (int i = 0; i < w.Length; i++) w[i] = Math.Sin(p + 3.1 * i);
                return MatMul(v, Tensor.FromArray(w, k, 2));
            }
            case 20 when 2 * v.Shape.Size <= MaxSize: return BroadcastTo(v, [2, .. v.Shape.ToArray()]) * Tensor.FromArray(new double[] { 1, -0.5 }, [2, .. Ones(r)]);
            case 21: return Where(Greater(v, 0.3), v, Sin(v));
            case 22: return Maximum(v, Cos(v));
            case 23 when r > 0: return v * Min(v, a, keepDims: true);
            case 24 when r > 0: return CumSum(v, a, reverse: p % 2 == 1);
            case 25 when r > 0: return Sort(v, a, descending: p % 2 == 1);
            default: return v;
        }
    }

    private static int[] Ones(int n)
    {
        var ones = new int[n];
        Array.Fill(ones, 1);
        return ones;
    }
}
