using System.Text;

namespace Tracer.Compiler;

/// <summary>
/// The static parameters of an equation (axes, permutation, target shape, literal value...). Only the fields an op
/// uses are set; the printer shows exactly those. Immutable: arrays passed in are never mutated afterwards.
/// </summary>
public sealed class Attrs : IEquatable<Attrs>
{
    /// <summary>No parameters.</summary>
    public static readonly Attrs None = new();

    /// <summary>Reduction axes (sorted, distinct).</summary>
    public int[]? Axes { get; init; }

    /// <summary>Transpose permutation: output axis i is input axis Perm[i].</summary>
    public int[]? Perm { get; init; }

    /// <summary>Target shape of reshape, broadcast_in_dim and scatter_add.</summary>
    public Shape? Shape { get; init; }

    /// <summary>Slice starts, or pad amounts before each axis.</summary>
    public int[]? Starts { get; init; }

    /// <summary>Slice ends (exclusive), or pad amounts after each axis.</summary>
    public int[]? Ends { get; init; }

    /// <summary>The axis of concatenate, gather and scatter_add.</summary>
    public int Axis { get; init; }

    /// <summary>
    /// gather and scatter_add: the number of leading axes shared by the operand and the indices (TensorFlow's
    /// <c>batch_dims</c>): example b of the indices reads only example b of the operand. Vmap produces these.
    /// </summary>
    public int BatchDims { get; init; }

    /// <summary>Target type of convert_element_type; type of a literal.</summary>
    public DType DType { get; init; }

    /// <summary>Value of a scalar literal.</summary>
    public double Value { get; init; }

    /// <summary>Host data of a constant (float[], double[], int[] or bool[]), row-major.</summary>
    public Array? Data { get; init; }

    /// <summary>Position of an input among the graph's inputs.</summary>
    public int Index { get; init; }

    /// <summary>The sub-graphs of a control-flow construct (scan, while, switch); compared by reference.</summary>
    public ControlFlow? Control { get; init; }

    /// <summary>The definition of a custom operation (<see cref="CustomCall"/>); compared by reference.</summary>
    public CustomCall? Custom { get; init; }

    /// <summary>triangular_solve: the matrix is lower (else upper) triangular; only that triangle is read.</summary>
    public bool Lower { get; init; }

    /// <summary>triangular_solve: solve with the matrix transposed.</summary>
    public bool TransposeA { get; init; }

    // conv family: window geometry, one entry per spatial axis.
    /// <summary>Convolutions: the step between windows along each spatial axis.</summary>
    public int[]? Strides { get; init; }

    /// <summary>Convolutions: zeros added before and after each spatial axis (symmetric).</summary>
    public int[]? Padding { get; init; }

    /// <summary>Convolutions: the step between kernel taps along each spatial axis (1 = dense).</summary>
    public int[]? Dilation { get; init; }

    /// <summary>Convolutions: how many groups the channels are split into (1 = every output sees every input channel).</summary>
    public int Groups { get; init; }
    /// <summary>cumsum: accumulate from the end of the axis; argsort: descending order (ops-shape family).</summary>
    public bool Reverse { get; init; }

    /// <inheritdoc/>
    public bool Equals(Attrs? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null) return false;
        return Same(Axes, other.Axes) && Same(Perm, other.Perm) && Nullable.Equals(Shape, other.Shape)
            && Same(Starts, other.Starts) && Same(Ends, other.Ends) && Axis == other.Axis && BatchDims == other.BatchDims && DType == other.DType
            && Value.Equals(other.Value) && ReferenceEquals(Data, other.Data) && Index == other.Index
            && ReferenceEquals(Custom, other.Custom) && ReferenceEquals(Control, other.Control)
            && Lower == other.Lower && TransposeA == other.TransposeA && Reverse == other.Reverse
            && Same(Strides, other.Strides) && Same(Padding, other.Padding) && Same(Dilation, other.Dilation) && Groups == other.Groups;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Attrs);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        // Cached: attributes are immutable once built, and traces hash them per equation (interning, CSE on emit).
        if (hash != 0) return hash;
        int computed = ComputeHash();
        hash = computed == 0 ? 1 : computed;
        return hash;
    }

    private int hash;

    private int ComputeHash()
    {
        var h = new HashCode();
        Add(ref h, Axes);
        Add(ref h, Perm);
        h.Add(Shape);
        Add(ref h, Starts);
        Add(ref h, Ends);
        h.Add(Axis);
        h.Add(BatchDims);
        h.Add(DType);
        h.Add(Value);
        h.Add(Data is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Data));
        h.Add(Index);
        h.Add(Custom is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Custom));
        h.Add(Control is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Control));
        h.Add(Lower);
        h.Add(TransposeA);
        Add(ref h, Strides);   // conv family
        Add(ref h, Padding);
        Add(ref h, Dilation);
        h.Add(Groups);
        h.Add(Reverse);
        return h.ToHashCode();
    }

    private static bool Same(int[]? a, int[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static void Add(ref HashCode h, int[]? xs)
    {
        h.Add(xs?.Length ?? -1);
        if (xs is null) return;
        foreach (int x in xs) h.Add(x);
    }

    /// <summary>The bracketed parameter list of a printed equation, e.g. <c>[axes=(0,1)]</c>; empty when none.</summary>
    public string Format(OpCode op)
    {
        var parts = new List<string>();
        switch (op)
        {
            case OpCode.ReduceSum or OpCode.ReduceMax or OpCode.ReduceMin or OpCode.ReduceProd:
                parts.Add($"axes={Tuple(Axes)}");
                break;
            case OpCode.Transpose:
                parts.Add($"permutation={Tuple(Perm)}");
                break;
            case OpCode.Reshape or OpCode.Broadcast:
                parts.Add($"shape={Tuple(Shape?.ToArray())}");
                break;
            case OpCode.Slice:
                parts.Add($"start_indices={Tuple(Starts)}");
                parts.Add($"limit_indices={Tuple(Ends)}");
                break;
            case OpCode.Pad:
                parts.Add($"low={Tuple(Starts)}");
                parts.Add($"high={Tuple(Ends)}");
                break;
            case OpCode.Concat:
                parts.Add($"dimension={Axis}");
                break;
            case OpCode.Gather:
                parts.Add($"axis={Axis}");
                if (BatchDims != 0) parts.Add($"batch_dims={BatchDims}");
                break;
            case OpCode.ScatterAdd:
                parts.Add($"axis={Axis}");
                if (BatchDims != 0) parts.Add($"batch_dims={BatchDims}");
                parts.Add($"shape={Tuple(Shape?.ToArray())}");
                break;
            case OpCode.Cast:
                parts.Add($"new_dtype={DType.ShortName()}");
                break;
            case OpCode.Custom:
                parts.Add($"name={Custom?.Name}");
                break;
            case OpCode.Scan or OpCode.While or OpCode.Switch:
                parts.Add(Control?.Describe() ?? "");
                parts.Add($"result={Index}");
                break;
            case OpCode.TriangularSolve:
                parts.Add($"lower={Lower}");
                parts.Add($"transpose_a={TransposeA}");
                break;
            case OpCode.SlogDet or OpCode.Eigh or OpCode.Qr or OpCode.Svd:
                parts.Add($"result={Index}");
                break;
            case OpCode.Conv or OpCode.ConvTranspose or OpCode.ConvWeightGrad:   // conv family
                parts.Add($"strides={Tuple(Strides)}");
                parts.Add($"padding={Tuple(Padding)}");
                parts.Add($"dilation={Tuple(Dilation)}");
                parts.Add($"groups={Groups}");
                if (op != OpCode.Conv) parts.Add($"shape={Tuple(Shape?.ToArray())}");
                break;
            case OpCode.MaxPoolPick or OpCode.MaxPoolScatter:   // max pooling (conv helper)
                parts.Add($"window={Tuple(Shape?.ToArray())}");
                parts.Add($"strides={Tuple(Strides)}");
                parts.Add($"padding={Tuple(Padding)}");
                break;
            // ops-shape family
            case OpCode.CumSum:
                parts.Add($"axis={Axis}");
                parts.Add($"reverse={Reverse}");
                break;
            case OpCode.ArgSort:
                parts.Add($"dimension={Axis}");
                parts.Add($"descending={Reverse}");
                break;
        }
        return parts.Count == 0 ? "" : "[" + string.Join(" ", parts) + "]";
    }

    private static string Tuple(int[]? xs)
    {
        if (xs is null) return "()";
        var sb = new StringBuilder("(");
        for (int i = 0; i < xs.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(xs[i]);
        }
        return sb.Append(')').ToString();
    }
}
