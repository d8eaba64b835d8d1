using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    /// <summary>
    /// N-d convolution (cross-correlation, as PyTorch's <c>conv1d/2d/3d</c>) of <paramref name="x"/>
    /// [N, C, spatial...] with <paramref name="w"/> [O, C/groups, kernel...], 1 to 3 spatial axes; the result is
    /// [N, O, out...] with out = floor((in + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1 per axis.
    /// </summary>
    /// <param name="x">The input, [N, C, spatial...] (f32 or f64).</param>
    /// <param name="w">The kernels, [O, C/groups, kernel...], same dtype.</param>
    /// <param name="strides">Window steps per spatial axis; default 1.</param>
    /// <param name="padding">Zeros added on both sides of each spatial axis; default 0.</param>
    /// <param name="dilation">Steps between kernel taps per spatial axis; default 1.</param>
    /// <param name="groups">Channel groups: group g of the outputs sees only group g of the inputs; default 1.</param>
    public static Tensor Conv(Tensor x, Tensor w, int[]? strides = null, int[]? padding = null, int[]? dilation = null, int groups = 1)
    {
        NotNull(x, "Conv");
        NotNull(w, "Conv", "w");
        (x, w) = Promote(x, w);
        var attrs = ConvAttrs("Conv", x, strides, padding, dilation, groups);
        return Dispatch.Apply(OpCode.Conv, attrs, x, w);
    }

    /// <summary>
    /// Transposed convolution (PyTorch's <c>conv_transpose1d/2d/3d</c>): the gradient of <see cref="Conv"/> with
    /// respect to its input. <paramref name="x"/> is [N, C, spatial...], <paramref name="w"/> [C, O/groups,
    /// kernel...]; the result is [N, O, out...] with out = (in - 1)·stride - 2·padding + dilation·(kernel - 1) +
    /// outputPadding + 1.
    /// </summary>
    /// <param name="x">The input, [N, C, spatial...] (f32 or f64).</param>
    /// <param name="w">The kernels, [C, O/groups, kernel...], same dtype.</param>
    /// <param name="strides">Steps of the corresponding convolution; default 1.</param>
    /// <param name="padding">Padding of the corresponding convolution (removed from the result); default 0.</param>
    /// <param name="outputPadding">Extra rows added at the end of each spatial axis, less than the stride; default 0.</param>
    /// <param name="dilation">Steps between kernel taps; default 1.</param>
    /// <param name="groups">Channel groups; default 1.</param>
    public static Tensor ConvTranspose(Tensor x, Tensor w, int[]? strides = null, int[]? padding = null, int[]? outputPadding = null,
        int[]? dilation = null, int groups = 1)
    {
        NotNull(x, "ConvTranspose");
        NotNull(w, "ConvTranspose", "w");
        (x, w) = Promote(x, w);
        var attrs = ConvAttrs("ConvTranspose", x, strides, padding, dilation, groups);
        int rank = x.Shape.Rank - 2;
        var extra = outputPadding ?? new int[rank];
        if (extra.Length != rank)
            throw new ArgumentException($"ConvTranspose: 'outputPadding' has {extra.Length} entries but the input {x.Type} has {rank} spatial axes; give one per spatial axis");
        if (w.Shape.Rank != x.Shape.Rank)
            throw new ArgumentException($"ConvTranspose: the weight must be [C, O/groups, kernel...] with as many spatial axes as the input, got weight {w.Type} for input {x.Type}");
        var dims = new int[x.Shape.Rank];
        dims[0] = x.Shape[0];
        dims[1] = w.Shape[1] * groups;
        for (int d = 0; d < rank; d++)
        {
            int s = attrs.Strides![d];
            if (extra[d] < 0 || extra[d] >= s)
                throw new ArgumentException($"ConvTranspose: outputPadding[{d}] = {extra[d]} must be in [0, stride) = [0, {s}); it only picks among the sizes a stride-{s} convolution maps to the same output");
            dims[d + 2] = (x.Shape[d + 2] - 1) * s - 2 * attrs.Padding![d] + attrs.Dilation![d] * (w.Shape[d + 2] - 1) + extra[d] + 1;
            if (dims[d + 2] < 1)
                throw new ArgumentException($"ConvTranspose: the result would have {dims[d + 2]} elements on spatial axis {d} (input {x.Type}, weight {w.Type}); use less padding");
        }
        return Dispatch.Apply(OpCode.ConvTranspose, Ir.ConvAttrs(attrs, new Shape(dims)), x, w);
    }

    /// <summary>The convolution attributes with defaults filled in, checked against the input's rank.</summary>
    private static Attrs ConvAttrs(string op, Tensor x, int[]? strides, int[]? padding, int[]? dilation, int groups)
    {
        int rank = x.Shape.Rank - 2;
        if (rank < 1 || rank > 3)
            throw new ArgumentException($"{op}: the input must be [N, C, spatial...] with 1 to 3 spatial axes, got {x.Type}; add a batch axis of 1 with Reshape for a single example");
        return new Attrs
        {
            Strides = WindowArg(op, strides, "strides", rank, 1, 1),
            Padding = WindowArg(op, padding, "padding", rank, 0, 0),
            Dilation = WindowArg(op, dilation, "dilation", rank, 1, 1),
            Groups = groups,
        };
    }

    /// <summary>A per-axis window argument (copied, so later changes to the caller's array do not matter) or its default.</summary>
    private static int[] WindowArg(string op, int[]? values, string name, int rank, int fallback, int min)
    {
        if (values is null)
        {
            var r = new int[rank];
            Array.Fill(r, fallback);
            return r;
        }
        if (values.Length != rank)
            throw new ArgumentException($"{op}: '{name}' has {values.Length} entries but there are {rank} spatial axes; give one per spatial axis");
        foreach (int v in values)
        {
            if (v < min) throw new ArgumentException($"{op}: every entry of '{name}' must be at least {min}, got {Shape.Format(values)}");
        }
        return (int[])values.Clone();
    }
}
