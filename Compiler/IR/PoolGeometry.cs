using System.Numerics;

namespace Tracer.Compiler;

/// <summary>
/// The index arithmetic of max pooling (max_pool_pick, max_pool_scatter), shared by their rules, reference
/// implementations and the backends. The trailing 1-3 axes of x are pooled, every leading axis is a batch axis (the
/// product is <see cref="Planes"/>). Output position p and window tap k read input position p·stride + k - padding on
/// every pooled axis; a position outside [0, S) is padding, which never wins. The geometry is kept as three pooled
/// axes (depth, height, width), missing ones of extent 1, so one loop nest serves 1-d to 3-d.
/// </summary>
public sealed class PoolGeometry
{
    private PoolGeometry(Shape input, Shape output, int planes, int[] inDims, int[] outDims, int[] window, int[] strides, int[] padding)
    {
        InputShape = input;
        OutputShape = output;
        Planes = planes;
        In = inDims;
        Out = outDims;
        Window = window;
        Strides = strides;
        Padding = padding;
    }

    /// <summary>The shape of x (and of max_pool_scatter's result).</summary>
    public Shape InputShape { get; }

    /// <summary>The pooled shape (of max_pool_pick's result and of max_pool_scatter's second operand).</summary>
    public Shape OutputShape { get; }

    /// <summary>The product of the leading (batch) axes.</summary>
    public int Planes { get; }

    /// <summary>Input extents of the three pooled axes (depth, height, width; 1 where x has fewer).</summary>
    public int[] In { get; }

    /// <summary>Output extents of the three pooled axes.</summary>
    public int[] Out { get; }

    /// <summary>Window extents of the three pooled axes.</summary>
    public int[] Window { get; }

    /// <summary>Window steps of the three pooled axes.</summary>
    public int[] Strides { get; }

    /// <summary>Padding before (and after) each of the three pooled axes.</summary>
    public int[] Padding { get; }

    /// <summary>Elements of one input plane (the pooled axes of x).</summary>
    public int InputSize => In[0] * In[1] * In[2];

    /// <summary>Elements of one output plane.</summary>
    public int OutputSize => Out[0] * Out[1] * Out[2];

    /// <summary>
    /// Validates the window of <paramref name="attrs"/> (<see cref="Attrs.Shape"/>: window, <see cref="Attrs.Strides"/>,
    /// <see cref="Attrs.Padding"/>) against x's <paramref name="x"/>; errors name <paramref name="op"/> and the shapes.
    /// </summary>
    public static PoolGeometry Create(string op, Shape x, Attrs attrs)
    {
        var window = attrs.Shape?.ToArray() ?? throw new ArgumentException($"{op}: the window (Attrs.Shape) is missing");
        int sp = window.Length, lead = x.Rank - sp;
        if (sp < 1 || sp > 3 || lead < 1)
            throw new ArgumentException($"{op}: pools 1 to 3 trailing axes of an input with at least one more axis, got window {Shape.Format(window)} for {x}");
        var strides = attrs.Strides ?? throw new ArgumentException($"{op}: the strides are missing");
        var padding = attrs.Padding ?? throw new ArgumentException($"{op}: the padding is missing");
        if (strides.Length != sp || padding.Length != sp)
            throw new ArgumentException($"{op}: window {Shape.Format(window)}, strides {Shape.Format(strides)} and padding {Shape.Format(padding)} must have one entry per pooled axis");
        var (inDims, outDims, win, str, pad) = (new[] { 1, 1, 1 }, new[] { 1, 1, 1 }, new[] { 1, 1, 1 }, new[] { 1, 1, 1 }, new int[3]);
        var output = x.ToArray();
        int planes = 1;
        for (int d = 0; d < lead; d++) planes *= x[d];
        for (int d = 0; d < sp; d++)
        {
            int n = x[lead + d], w = window[d], s = strides[d], p = padding[d];
            if (w < 1 || s < 1 || p < 0)
                throw new ArgumentException($"{op}: window {Shape.Format(window)} and strides {Shape.Format(strides)} must be positive and padding {Shape.Format(padding)} non-negative");
            if (2 * p > w)
                throw new ArgumentException($"{op}: padding {p} on pooled axis {d} is more than half the window {w} (input {x}); PyTorch rejects it too");
            if (n + 2 * p < w)
                throw new ArgumentException($"{op}: the window {w} does not fit pooled axis {d} of {x} padded by {p}; use a smaller window or more padding");
            int a = 3 - sp + d;
            (inDims[a], win[a], str[a], pad[a]) = (n, w, s, p);
            outDims[a] = output[lead + d] = (n + 2 * p - w) / s + 1;
        }
        return new PoolGeometry(x, new Shape(output), planes, inDims, outDims, win, str, pad);
    }

    /// <summary>
    /// The offset within its input plane of the first maximum of <paramref name="x"/> in the window of output
    /// position (<paramref name="od"/>, <paramref name="oh"/>, <paramref name="ow"/>), the plane starting at
    /// <paramref name="plane"/>: taps in row-major order, a later tap wins only when strictly larger, and the first
    /// NaN beats every number (so the picked value is NaN, as PyTorch's max pooling).
    /// </summary>
    public int ArgMax<T>(ReadOnlySpan<T> x, int plane, int od, int oh, int ow) where T : INumber<T>
    {
        int best = -1;
        T bestValue = T.Zero;
        int d0 = od * Strides[0] - Padding[0], h0 = oh * Strides[1] - Padding[1], w0 = ow * Strides[2] - Padding[2];
        int dLo = Math.Max(0, d0), dHi = Math.Min(In[0], d0 + Window[0]);
        int hLo = Math.Max(0, h0), hHi = Math.Min(In[1], h0 + Window[1]);
        int wLo = Math.Max(0, w0), wHi = Math.Min(In[2], w0 + Window[2]);
        for (int d = dLo; d < dHi; d++)
            for (int h = hLo; h < hHi; h++)
            {
                int row = (d * In[1] + h) * In[2];
                for (int w = wLo; w < wHi; w++)
                {
                    var v = x[plane + row + w];
                    if (best < 0 || v > bestValue || (T.IsNaN(v) && !T.IsNaN(bestValue)))
                        (best, bestValue) = (row + w, v);
                }
            }
        return best;
    }
}
