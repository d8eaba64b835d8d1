using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    /// <summary>
    /// Max pooling over the last <c>window.Length</c> axes (1 to 3) of <paramref name="x"/>, typically [N, C,
    /// spatial...], as PyTorch's <c>max_pool1d/2d/3d</c>: padding counts as -inf, out = floor((in + 2·padding -
    /// window) / stride) + 1 per axis. The gradient goes to the maximum of each window (the first one on ties); a NaN
    /// in a window gives NaN.
    /// </summary>
    /// <param name="x">The input, with at least one axis before the pooled ones (f32 or f64).</param>
    /// <param name="window">The window extent per pooled axis.</param>
    /// <param name="strides">Window steps; default the window (non-overlapping windows).</param>
    /// <param name="padding">-inf added on both sides of each pooled axis, at most half the window; default 0.</param>
    public static Tensor MaxPool(Tensor x, int[] window, int[]? strides = null, int[]? padding = null)
    {
        var taps = PoolWindows("MaxPool", x, window, strides, padding, maxPadding: true);
        // Select chains rather than max: the gradient then follows exactly one tap (the first maximum, as PyTorch),
        // where the max primitive would split it on ties. A NaN in m stays; a NaN tap replaces m.
        var m = taps[0];
        for (int i = 1; i < taps.Length; i++)
        {
            var v = taps[i];
            m = Where(NotEqual(m, m), m, Where(LessEqual(v, m), m, v));
        }
        return m;
    }

    /// <summary>
    /// Average pooling over the last <c>window.Length</c> axes (1 to 3) of <paramref name="x"/>, as PyTorch's
    /// <c>avg_pool1d/2d/3d</c> with its defaults: zero padding counted in the average (every window divides by the
    /// window size), out = floor((in + 2·padding - window) / stride) + 1 per axis.
    /// </summary>
    /// <param name="x">The input, with at least one axis before the pooled ones (f32 or f64).</param>
    /// <param name="window">The window extent per pooled axis.</param>
    /// <param name="strides">Window steps; default the window (non-overlapping windows).</param>
    /// <param name="padding">Zeros added on both sides of each pooled axis, at most half the window; default 0.</param>
    public static Tensor AvgPool(Tensor x, int[] window, int[]? strides = null, int[]? padding = null)
    {
        var taps = PoolWindows("AvgPool", x, window, strides, padding, maxPadding: false);
        var sum = taps[0];
        for (int i = 1; i < taps.Length; i++) sum += taps[i];
        return sum * (1.0 / taps.Length);
    }

    /// <summary>
    /// One tensor per window tap t, shaped like the pooled result: element p is x (padded) at p·stride + t. Built
    /// from pad, slice and reshape (a stride is a reshape into [out, stride] keeping index 0), which the compiler
    /// fuses into the reduction's loop, and whose derivatives to any order are those of the primitives.
    /// </summary>
    private static Tensor[] PoolWindows(string op, Tensor x, int[] window, int[]? strides, int[]? padding, bool maxPadding)
    {
        NotNull(x, op);
        NotNull(window, op, "window");
        int sp = window.Length, rank = x.Shape.Rank, lead = rank - sp;
        if (sp < 1 || sp > 3 || lead < 1)
            throw new ArgumentException($"{op}: pools 1 to 3 trailing axes of an input with at least one more axis, got window {Shape.Format(window)} for {x.Type}");
        if (!x.DType.IsFloat())
            throw new ArgumentException($"{op}: expects a float tensor, got {x.Type}; cast it with Cast(x, DType.Float32)");
        var win = WindowArg(op, window, "window", sp, 1, 1);
        var s = strides is null ? (int[])win.Clone() : WindowArg(op, strides, "strides", sp, 1, 1);
        var p = WindowArg(op, padding, "padding", sp, 0, 0);
        var outs = new int[sp];
        var low = new int[rank];
        var high = new int[rank];
        bool padded = false;
        for (int d = 0; d < sp; d++)
        {
            int n = x.Shape[lead + d];
            if (2 * p[d] > win[d])
                throw new ArgumentException($"{op}: padding {p[d]} on pooled axis {d} is more than half the window {win[d]} (input {x.Type}); PyTorch rejects it too");
            outs[d] = (n + 2 * p[d] - win[d]) / s[d] + 1;
            if (n + 2 * p[d] < win[d])
                throw new ArgumentException($"{op}: the window {win[d]} does not fit pooled axis {d} of {x.Type} padded by {p[d]}; use a smaller window or more padding");
            // Room for the slice [t, t + out·stride) of the last tap; the extra tail is never selected.
            int tail = Math.Max(0, win[d] - 1 + outs[d] * s[d] - (n + 2 * p[d]));
            low[lead + d] = p[d];
            high[lead + d] = p[d] + tail;
            padded |= p[d] + tail > 0;
        }
        var xp = x;
        if (padded)
        {
            var pad = new Attrs { Starts = low, Ends = high };
            xp = Dispatch.Apply(OpCode.Pad, pad, x);
            if (maxPadding && Array.Exists(p, v => v > 0))
            {
                // Padding reads as -inf: a padded all-ones mask tells real elements from padding.
                var ones = BroadcastTo(Tensor.Full(x.DType, 1), x.Shape.ToArray());
                var real = Greater(Dispatch.Apply(OpCode.Pad, pad, ones), 0.5);
                xp = Where(real, xp, double.NegativeInfinity);
            }
        }
        int count = 1;
        foreach (int w in win) count *= w;
        var taps = new Tensor[count];
        var k = new int[sp];
        for (int t = 0; t < count; t++)
        {
            for (int d = sp - 1, r = t; d >= 0; d--)
            {
                k[d] = r % win[d];
                r /= win[d];
            }
            taps[t] = Tap(xp, lead, k, s, outs);
        }
        return taps;
    }

    /// <summary>xp at p·stride + k on the trailing axes, for p in [0, out).</summary>
    private static Tensor Tap(Tensor xp, int lead, int[] k, int[] s, int[] outs)
    {
        int rank = xp.Shape.Rank, sp = k.Length;
        var starts = new int[rank];
        var ends = xp.Shape.ToArray();
        bool strided = false;
        for (int d = 0; d < sp; d++)
        {
            starts[lead + d] = k[d];
            ends[lead + d] = k[d] + outs[d] * s[d];
            strided |= s[d] > 1;
        }
        var box = Slice(xp, starts, ends);
        if (!strided) return box;
        // [lead..., out0·s0, ...] -> [lead..., out0, s0, ...] -> index 0 of every s axis -> [lead..., out0, ...]
        var split = new List<int>(xp.Shape.ToArray()[..lead]);
        for (int d = 0; d < sp; d++)
        {
            split.Add(outs[d]);
            split.Add(s[d]);
        }
        var grid = Reshape(box, split.ToArray());
        var firstEnds = grid.Shape.ToArray();
        for (int d = 0; d < sp; d++) firstEnds[lead + 2 * d + 1] = 1;
        var picked = Slice(grid, new int[grid.Shape.Rank], firstEnds);
        var result = xp.Shape.ToArray()[..lead];
        return Reshape(picked, [.. result, .. outs]);
    }
}
