using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    /// <summary>The sum over <paramref name="axes"/> (all axes when null), keeping them as size 1 when <paramref name="keepDims"/>.</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce(OpCode.ReduceSum, "Sum", x, axes, keepDims);

    /// <summary>The sum over one axis (negative counts from the end).</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Sum(x, [axis], keepDims);

    /// <summary>The maximum over <paramref name="axes"/> (all axes when null), keeping them as size 1 when <paramref name="keepDims"/>.</summary>
    public static Tensor Max(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce(OpCode.ReduceMax, "Max", x, axes, keepDims);

    /// <summary>The maximum over one axis (negative counts from the end).</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Max(x, [axis], keepDims);

    /// <summary>The minimum over <paramref name="axes"/> (all axes when null), keeping them as size 1 when <paramref name="keepDims"/>.</summary>
    public static Tensor Min(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce(OpCode.ReduceMin, "Min", x, axes, keepDims);

    /// <summary>The minimum over one axis (negative counts from the end).</summary>
    public static Tensor Min(Tensor x, int axis, bool keepDims = false) => Min(x, [axis], keepDims);

    /// <summary>The product over <paramref name="axes"/> (all axes when null), keeping them as size 1 when <paramref name="keepDims"/>.</summary>
    public static Tensor Prod(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce(OpCode.ReduceProd, "Prod", x, axes, keepDims);

    /// <summary>The product over one axis (negative counts from the end).</summary>
    public static Tensor Prod(Tensor x, int axis, bool keepDims = false) => Prod(x, [axis], keepDims);

    /// <summary>The arithmetic mean; integer tensors give f32.</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        NotNull(x, "Mean");
        if (!x.DType.IsFloat()) x = Cast(x, DType.Float32);
        var ax = NormalizeAxes("Mean", x, axes);
        if (Eager.Runs(x)) return Eager.Fused("mean", Eager.Pack(ax, keepDims), x, t => Mean(t, ax, keepDims));
        long count = 1;
        foreach (int a in ax) count *= x.Shape[a];
        return Sum(x, ax, keepDims) / count;
    }

    /// <summary>The mean over one axis (negative counts from the end).</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);

    /// <summary>log(sum(exp(x))) computed stably: the maximum is subtracted before exponentiating.</summary>
    public static Tensor LogSumExp(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        NotNull(x, "LogSumExp");
        FloatOnly(x, "LogSumExp");
        var ax = NormalizeAxes("LogSumExp", x, axes);
        if (Eager.Runs(x)) return Eager.Fused("logsumexp", Eager.Pack(ax, keepDims), x, t => LogSumExp(t, ax, keepDims));
        // The shift is a constant as far as derivatives go (it cancels exactly), so stop_gradient keeps the
        // backward pass free of the max's tie-breaking rule.
        var shift = StopGradient(Max(x, ax, keepDims: true));
        var finiteShift = Where(IsFinite(shift), shift, 0.0);
        var lse = Log(Sum(Exp(x - finiteShift), ax, keepDims: true)) + finiteShift;
        return keepDims ? lse : Reshape(lse, DropAxes(x.Shape, ax));
    }

    /// <summary>log(sum(exp(x))) over one axis, computed stably.</summary>
    public static Tensor LogSumExp(Tensor x, int axis, bool keepDims = false) => LogSumExp(x, [axis], keepDims);

    /// <summary>exp(x) / sum(exp(x)) along <paramref name="axis"/>, with the maximum subtracted first.</summary>
    public static Tensor Softmax(Tensor x, int axis)
    {
        NotNull(x, "Softmax");
        FloatOnly(x, "Softmax");
        int a = NormalizeAxis("Softmax", x, axis);
        if (Eager.Runs(x)) return Eager.Fused("softmax", a, x, t => Softmax(t, a));
        var e = Exp(x - StopGradient(Max(x, [a], keepDims: true)));
        return e / Sum(e, [a], keepDims: true);
    }

    /// <summary>x - LogSumExp(x) along <paramref name="axis"/>.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis)
    {
        NotNull(x, "LogSoftmax");
        FloatOnly(x, "LogSoftmax");
        int a = NormalizeAxis("LogSoftmax", x, axis);
        if (Eager.Runs(x)) return Eager.Fused("log_softmax", a, x, t => LogSoftmax(t, a));
        return x - LogSumExp(x, [a], keepDims: true);
    }

    /// <summary>Composites of exp and log name themselves when given an integer tensor, not the primitive inside.</summary>
    private static void FloatOnly(Tensor x, string op)
    {
        if (!x.DType.IsFloat())
            throw new ArgumentException($"{op}: expects a float tensor, got {x.Type}; cast it with Cast(x, DType.Float32)");
    }

    private static Tensor Reduce(OpCode op, string name, Tensor x, int[]? axes, bool keepDims)
    {
        NotNull(x, name);
        var ax = NormalizeAxes(name, x, axes);
        var r = Dispatch.Apply(op, new Attrs { Axes = ax }, x);
        return keepDims ? Reshape(r, KeepDimsShape(x.Shape, ax)) : r;
    }

    /// <summary>Sorted, distinct, non-negative axes; null means all axes.</summary>
    internal static int[] NormalizeAxes(string op, Tensor x, int[]? axes)
    {
        int rank = x.Shape.Rank;
        if (axes is null)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        var seen = new bool[rank];
        foreach (int a in axes)
        {
            int n = NormalizeAxis(op, x, a);
            if (seen[n]) throw new ArgumentException($"{op}: axis {a} is repeated in ({string.Join(",", axes)})");
            seen[n] = true;
        }
        var result = new List<int>(axes.Length);
        for (int i = 0; i < rank; i++)
        {
            if (seen[i]) result.Add(i);
        }
        return result.ToArray();
    }

    internal static int NormalizeAxis(string op, Tensor x, int axis, int extra = 0)
    {
        int rank = x.Shape.Rank + extra;
        int n = axis < 0 ? axis + rank : axis;
        if (n < 0 || n >= rank)
        {
            throw new ArgumentException(
                $"{op}: axis {axis} is out of range for {x.Type} (rank {x.Shape.Rank}); use 0..{rank - 1} or negative from the end");
        }
        return n;
    }

    private static int[] KeepDimsShape(Shape s, int[] axes)
    {
        var dims = s.ToArray();
        foreach (int a in axes) dims[a] = 1;
        return dims;
    }

    private static int[] DropAxes(Shape s, int[] axes)
    {
        var dims = new List<int>();
        for (int i = 0; i < s.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0) dims.Add(s[i]);
        }
        return dims.ToArray();
    }
}
