using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    // ---- cumulative operations along one axis ---------------------------------------------------------------
    // cumsum is a primitive (a sequential kernel; its transpose is the reverse cumsum). The other four are written
    // as a Hillis–Steele scan: ⌈log2 n⌉ rounds of "combine each element with the one d places earlier" over slices
    // and concatenations. That costs O(n log n) work instead of O(n), but every round is made of primitives whose
    // derivatives are exact to any order — cumprod's gradient is right with zeros (JAX's convention: the product
    // rule, no division), and cummax/cummin send the gradient to the first position of each running extreme.

    /// <summary>
    /// The running sum along <paramref name="axis"/>: element i is x[0] + ... + x[i] (x[i] + ... + x[n-1] when
    /// <paramref name="reverse"/>). f32, f64 and i32 (bool counts as i32, as in NumPy); f32 accumulates in f64.
    /// </summary>
    public static Tensor CumSum(Tensor x, int axis, bool reverse = false)
    {
        x = CumulativeOperand(x, "CumSum", allowInt: true);
        int a = NormalizeAxis("CumSum", x, axis);
        return Dispatch.Apply(OpCode.CumSum, new Attrs { Axis = a, Reverse = reverse }, x);
    }

    /// <summary>The running product along <paramref name="axis"/> (from the end when <paramref name="reverse"/>).</summary>
    public static Tensor CumProd(Tensor x, int axis, bool reverse = false) =>
        Associative("CumProd", 1, CumulativeOperand(x, "CumProd", allowInt: true), axis, reverse, static (earlier, later) => earlier * later);

    /// <summary>
    /// The running maximum along <paramref name="axis"/> (from the end when <paramref name="reverse"/>); NaN
    /// propagates. Its gradient goes to the first position (in scan order) where each running maximum occurs.
    /// </summary>
    public static Tensor CumMax(Tensor x, int axis, bool reverse = false) =>
        Associative("CumMax", 2, CumulativeOperand(x, "CumMax", allowInt: true), axis, reverse,
            static (earlier, later) => KeepEarlier(earlier, later, GreaterEqual(earlier, later)));

    /// <summary>
    /// The running minimum along <paramref name="axis"/> (from the end when <paramref name="reverse"/>); NaN
    /// propagates. Its gradient goes to the first position (in scan order) where each running minimum occurs.
    /// </summary>
    public static Tensor CumMin(Tensor x, int axis, bool reverse = false) =>
        Associative("CumMin", 3, CumulativeOperand(x, "CumMin", allowInt: true), axis, reverse,
            static (earlier, later) => KeepEarlier(earlier, later, LessEqual(earlier, later)));

    /// <summary>
    /// log(cumsum(exp(x))) along <paramref name="axis"/>, computed stably (no overflow for large x, no -inf for
    /// very negative x); float only.
    /// </summary>
    public static Tensor LogCumSumExp(Tensor x, int axis, bool reverse = false) =>
        Associative("LogCumSumExp", 4, CumulativeOperand(x, "LogCumSumExp", allowInt: false), axis, reverse, StableLogAddExp);

    /// <summary>
    /// The scan of <paramref name="combine"/> (associative; its first argument is the earlier part in scan order)
    /// along <paramref name="axis"/>: round d replaces element i by combine(y[i - d], y[i]) for i ≥ d (i + d for a
    /// reverse scan), d = 1, 2, 4, ... Eagerly it runs as one compiled program.
    /// </summary>
    private static Tensor Associative(string name, int id, Tensor x, int axis, bool reverse, Func<Tensor, Tensor, Tensor> combine)
    {
        int a = NormalizeAxis(name, x, axis);
        if (Eager.Runs(x))
            return Eager.Fused(name.ToLowerInvariant(), Eager.Pack([a], reverse) | (long)id << 56, x, t => Associative(name, id, t, a, reverse, combine));
        int n = x.Shape[a];
        var y = x;
        for (int d = 1; d < n; d *= 2)
        {
            if (!reverse)
                y = Concat(a, SliceAxis(y, a, 0, d), combine(SliceAxis(y, a, 0, n - d), SliceAxis(y, a, d, n)));
            else
                y = Concat(a, combine(SliceAxis(y, a, d, n), SliceAxis(y, a, 0, n - d)), SliceAxis(y, a, n - d, n));
        }
        return y;
    }

    /// <summary>earlier where <paramref name="keep"/> or where earlier is NaN (so NaN propagates), else later.</summary>
    private static Tensor KeepEarlier(Tensor earlier, Tensor later, Tensor keep)
    {
        var chosen = Where(keep, earlier, later);
        return earlier.DType.IsFloat() ? Where(NotEqual(earlier, earlier), earlier, chosen) : chosen;
    }

    /// <summary>
    /// log(exp(a) + exp(b)) shifted by the larger operand. The shift is held constant for derivatives (it cancels
    /// exactly) and replaced by 0 when infinite, so -inf operands give -inf rather than NaN.
    /// </summary>
    private static Tensor StableLogAddExp(Tensor a, Tensor b)
    {
        var m = StopGradient(Maximum(a, b));
        var shift = Where(Less(Abs(m), double.PositiveInfinity), m, 0.0);
        return Log(Exp(a - shift) + Exp(b - shift)) + shift;
    }

    /// <summary>The elements [start, end) of <paramref name="axis"/>, everything of the other axes.</summary>
    internal static Tensor SliceAxis(Tensor x, int axis, int start, int end)
    {
        var starts = new int[x.Shape.Rank];
        var ends = x.Shape.ToArray();
        starts[axis] = start;
        ends[axis] = end;
        return Slice(x, starts, ends);
    }

    private static Tensor CumulativeOperand(Tensor x, string op, bool allowInt)
    {
        NotNull(x, op);
        if (x.Shape.Rank == 0)
            throw new ArgumentException($"{op}: needs at least one axis, got the scalar {x.Type}; reshape it to [1] first");
        if (x.DType.IsFloat()) return x;
        if (!allowInt)
            throw new ArgumentException($"{op}: expects a float tensor, got {x.Type}; cast it with Cast(x, DType.Float32)");
        return x.DType == DType.Bool ? Cast(x, DType.Int32) : x;
    }
}
