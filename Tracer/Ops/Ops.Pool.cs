using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    /// <summary>
    /// Max pooling over the last <c>window.Length</c> axes (1 to 3) of <paramref name="x"/>, typically [N, C,
    /// spatial...], as PyTorch's <c>max_pool1d/2d/3d</c>: padding counts as -inf, out = floor((in + 2·padding -
    /// window) / stride) + 1 per axis. The gradient goes to the maximum of each window (the first one on ties); a NaN
    /// in a window gives NaN (and takes the window's gradient, as in PyTorch). A primitive pair does the work
    /// (max_pool_pick forward, max_pool_scatter for the gradient), one pass over the windows each.
    /// </summary>
    /// <param name="x">The input, with at least one axis before the pooled ones (f32 or f64).</param>
    /// <param name="window">The window extent per pooled axis.</param>
    /// <param name="strides">Window steps; default the window (non-overlapping windows).</param>
    /// <param name="padding">-inf added on both sides of each pooled axis, at most half the window; default 0.</param>
    public static Tensor MaxPool(Tensor x, int[] window, int[]? strides = null, int[]? padding = null)
    {
        var (win, s, p) = PoolArgs("MaxPool", x, window, strides, padding);
        // One primitive pass: max_pool_pick(x, x) reads each window's first maximum; its gradient is one
        // max_pool_scatter pass (see the rule), rather than the per-tap selects a composite of slices would need.
        var attrs = new Attrs { Shape = new Shape(win), Strides = s, Padding = p };
        return Dispatch.Apply(OpCode.MaxPoolPick, attrs, x, x);
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
        var taps = PoolWindows("AvgPool", x, window, strides, padding);
        var sum = taps[0];
        for (int i = 1; i < taps.Length; i++) sum += taps[i];
        return sum * (1.0 / taps.Length);
    }

    /// <summary>The window, strides (default: the window) and padding (default 0) of a pooling, validated against x.</summary>
    private static (int[] Window, int[] Strides, int[] Padding) PoolArgs(string op, Tensor x, int[] window, int[]? strides, int[]? padding)
    {
        NotNull(x, op);
        NotNull(window, op, "window");
        int sp = window.Length, lead = x.Shape.Rank - sp;
        if (sp < 1 || sp > 3 || lead < 1)
            throw new ArgumentException($"{op}: pools 1 to 3 trailing axes of an input with at least one more axis, got window {Shape.Format(window)} for {x.Type}");
        if (!x.DType.IsFloat())
            throw new ArgumentException($"{op}: expects a float tensor, got {x.Type}; cast it with Cast(x, DType.Float32)");
        var win = WindowArg(op, window, "window", sp, 1, 1);
        var s = strides is null ? (int[])win.Clone() : WindowArg(op, strides, "strides", sp, 1, 1);
        var p = WindowArg(op, padding, "padding", sp, 0, 0);
        for (int d = 0; d < sp; d++)
        {
            int n = x.Shape[lead + d];
            if (2 * p[d] > win[d])
                throw new ArgumentException($"{op}: padding {p[d]} on pooled axis {d} is more than half the window {win[d]} (input {x.Type}); PyTorch rejects it too");
            if (n + 2 * p[d] < win[d])
                throw new ArgumentException($"{op}: the window {win[d]} does not fit pooled axis {d} of {x.Type} padded by {p[d]}; use a smaller window or more padding");
        }
        return (win, s, p);
    }

    /// <summary>
    /// One tensor per window tap t, shaped like the pooled result: element p is x (padded) at p·stride + t. Each
    /// pooled axis of the padded input is reshaped into a grid [rows, stride] (position j·stride + r is grid
    /// element (j, r)), so tap t = q·stride + r is the box of grid rows [q, q + out) in column r: a view that the
    /// compiler fuses into the pooling's loop, with no copy unless the input needs padding (or a tail to make its
    /// length a multiple of the stride). Derivatives of any order are those of pad, reshape and slice.
    /// </summary>
    private static Tensor[] PoolWindows(string op, Tensor x, int[] window, int[]? strides, int[]? padding)
    {
        var (win, s, p) = PoolArgs(op, x, window, strides, padding);
        int sp = win.Length, rank = x.Shape.Rank, lead = rank - sp;
        var outs = new int[sp];
        var low = new int[rank];
        var high = new int[rank];
        var grid = new List<int>(x.Shape.ToArray()[..lead]);
        bool padded = false;
        for (int d = 0; d < sp; d++)
        {
            int n = x.Shape[lead + d];
            outs[d] = (n + 2 * p[d] - win[d]) / s[d] + 1;
            // The tail (never inside a window) makes the padded length a multiple of the stride.
            int length = n + 2 * p[d], tail = (s[d] - length % s[d]) % s[d];
            low[lead + d] = p[d];
            high[lead + d] = p[d] + tail;
            padded |= p[d] + tail > 0;
            grid.Add((length + tail) / s[d]);
            grid.Add(s[d]);
        }
        var xp = x;
        if (padded)
        {
            var pad = new Attrs { Starts = low, Ends = high };
            xp = Dispatch.Apply(OpCode.Pad, pad, x);
        }
        var cells = Reshape(xp, grid.ToArray());
        var result = (int[])[.. x.Shape.ToArray()[..lead], .. outs];
        int count = 1;
        foreach (int w in win) count *= w;
        var taps = new Tensor[count];
        for (int t = 0; t < count; t++)
        {
            var starts = new int[grid.Count];
            var ends = grid.ToArray();
            for (int d = sp - 1, r = t; d >= 0; d--)
            {
                int k = r % win[d];
                r /= win[d];
                int axis = lead + 2 * d;
                (starts[axis], ends[axis]) = (k / s[d], k / s[d] + outs[d]);
                (starts[axis + 1], ends[axis + 1]) = (k % s[d], k % s[d] + 1);
            }
            taps[t] = Reshape(Slice(cells, starts, ends), result);
        }
        return taps;
    }
}
