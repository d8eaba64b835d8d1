namespace Tracer.Compiler;

/// <summary>
/// The index arithmetic shared by the convolution primitives (conv, conv_transpose, conv_weight_grad), their reference
/// implementations and the backends: x [N, C, S...] is read by windows of w [O, C/groups, K...] into y [N, O, P...].
/// Output position p and kernel tap k read input position p·stride + k·dilation - padding on every spatial axis; a
/// position outside [0, S) is a padding zero.
/// </summary>
public sealed class ConvGeometry
{
    private ConvGeometry(int batch, int inChannels, int outChannels, int groups, int[] input, int[] kernel, int[] output,
        int[] strides, int[] padding, int[] dilation)
    {
        Batch = batch;
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        Input = input;
        Kernel = kernel;
        Output = output;
        Strides = strides;
        Padding = padding;
        Dilation = dilation;
    }

    /// <summary>N, the number of examples.</summary>
    public int Batch { get; }

    /// <summary>C, the channels of x.</summary>
    public int InChannels { get; }

    /// <summary>O, the channels of y (rows of w).</summary>
    public int OutChannels { get; }

    /// <summary>The number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>Spatial extents of x.</summary>
    public int[] Input { get; }

    /// <summary>Spatial extents of the kernel.</summary>
    public int[] Kernel { get; }

    /// <summary>Spatial extents of y.</summary>
    public int[] Output { get; }

    /// <summary>Window steps per spatial axis.</summary>
    public int[] Strides { get; }

    /// <summary>Zeros before and after each spatial axis.</summary>
    public int[] Padding { get; }

    /// <summary>Tap steps per spatial axis.</summary>
    public int[] Dilation { get; }

    /// <summary>Input channels per group (C / groups).</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels per group (O / groups).</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>Elements of one input channel plane.</summary>
    public int InputSize => Product(Input);

    /// <summary>Taps of the kernel per channel.</summary>
    public int KernelSize => Product(Kernel);

    /// <summary>Elements of one output channel plane.</summary>
    public int OutputSize => Product(Output);

    /// <summary>The output extent of one axis, floor((in + 2·pad - dil·(k-1) - 1) / stride) + 1; below 1 when the window does not fit.</summary>
    public static int OutputExtent(int input, int kernel, int stride, int padding, int dilation) =>
        (int)Math.Floor((input + 2.0 * padding - dilation * (kernel - 1.0) - 1) / stride) + 1;

    /// <summary>
    /// The geometry of a convolution of x (<paramref name="x"/> = [N, C, S...]) with w (<paramref name="w"/> =
    /// [O, C/groups, K...]); null attributes take their defaults (stride 1, padding 0, dilation 1, one group).
    /// Throws an <see cref="ArgumentException"/> starting with <paramref name="op"/> when the shapes do not fit.
    /// </summary>
    public static ConvGeometry Create(string op, Shape x, Shape w, Attrs attrs)
    {
        int rank = x.Rank - 2;
        if (x.Rank < 3 || x.Rank > 5)
            throw new ArgumentException($"{op}: the input must be [N, C, spatial...] with 1 to 3 spatial axes, got {x}; " +
                "add a batch axis of 1 with Reshape for a single example");
        if (w.Rank != x.Rank)
            throw new ArgumentException($"{op}: the weight must be [O, C/groups, kernel...] with as many spatial axes as the input, " +
                $"got weight {w} for input {x}");
        int groups = attrs.Groups == 0 ? 1 : attrs.Groups;
        int[] strides = attrs.Strides ?? Filled(rank, 1), padding = attrs.Padding ?? Filled(rank, 0), dilation = attrs.Dilation ?? Filled(rank, 1);
        PerAxis(op, strides, "strides", rank, 1);
        PerAxis(op, padding, "padding", rank, 0);
        PerAxis(op, dilation, "dilation", rank, 1);
        if (groups < 1) throw new ArgumentException($"{op}: groups must be at least 1, got {groups}");
        int c = x[1], o = w[0];
        if (c % groups != 0 || o % groups != 0)
            throw new ArgumentException($"{op}: groups = {groups} must divide both the input channels ({c}, input {x}) and the " +
                $"output channels ({o}, weight {w})");
        if (w[1] * groups != c)
            throw new ArgumentException($"{op}: the weight {w} has {w[1]} input channels per group but the input {x} has {c} " +
                $"channels in {groups} group(s), i.e. {c / groups} per group; the weight layout is [O, C/groups, kernel...]");
        var input = new int[rank];
        var kernel = new int[rank];
        var output = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            input[d] = x[d + 2];
            kernel[d] = w[d + 2];
            output[d] = OutputExtent(input[d], kernel[d], strides[d], padding[d], dilation[d]);
            if (kernel[d] < 1 || output[d] < 1)
                throw new ArgumentException($"{op}: on spatial axis {d} the kernel {kernel[d]} (dilation {dilation[d]}) does not fit " +
                    $"the input {input[d]} padded by {padding[d]} on each side (input {x}, weight {w}); pad more or use a smaller kernel");
        }
        return new ConvGeometry(x[0], c, o, groups, input, kernel, output, strides, padding, dilation);
    }

    /// <summary>The shape of x, [N, C, S...].</summary>
    public Shape InputShape => new([Batch, InChannels, .. Input]);

    /// <summary>The shape of w, [O, C/groups, K...].</summary>
    public Shape WeightShape => new([OutChannels, GroupInChannels, .. Kernel]);

    /// <summary>The shape of y, [N, O, P...].</summary>
    public Shape OutputShape => new([Batch, OutChannels, .. Output]);

    /// <summary>
    /// For kernel tap t and output position p (both row-major flat), the flat input position read, or -1 where the
    /// window lies on padding: entry t·OutputSize + p. Backends compute it once per compiled kernel.
    /// </summary>
    public int[] SourceTable()
    {
        int rank = Input.Length, taps = KernelSize, outs = OutputSize;
        var table = new int[taps * outs];
        var k = new int[rank];
        var p = new int[rank];
        for (int t = 0; t < taps; t++)
        {
            Unflatten(t, Kernel, k);
            for (int q = 0; q < outs; q++)
            {
                Unflatten(q, Output, p);
                int flat = 0;
                for (int d = 0; d < rank; d++)
                {
                    int i = p[d] * Strides[d] + k[d] * Dilation[d] - Padding[d];
                    if (i < 0 || i >= Input[d])
                    {
                        flat = -1;
                        break;
                    }
                    flat = flat * Input[d] + i;
                }
                table[t * outs + q] = flat;
            }
        }
        return table;
    }

    private static void Unflatten(int flat, int[] extents, int[] index)
    {
        for (int d = extents.Length - 1; d >= 0; d--)
        {
            index[d] = flat % extents[d];
            flat /= extents[d];
        }
    }

    private static int Product(int[] xs)
    {
        int p = 1;
        foreach (int x in xs) p *= x;
        return p;
    }

    private static int[] Filled(int n, int value)
    {
        var r = new int[n];
        Array.Fill(r, value);
        return r;
    }

    private static void PerAxis(string op, int[] values, string name, int rank, int min)
    {
        if (values.Length != rank)
            throw new ArgumentException($"{op}: '{name}' has {values.Length} entries but the input has {rank} spatial axes; give one per spatial axis");
        foreach (int v in values)
        {
            if (v < min)
                throw new ArgumentException($"{op}: every entry of '{name}' must be at least {min}, got ({string.Join(",", values)})");
        }
    }
}
