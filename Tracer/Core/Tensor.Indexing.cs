using System.Runtime.CompilerServices;
using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// One subscript of a tensor indexer: an integer position (<c>2</c>, <c>^1</c>), which removes its axis, or a
/// <see cref="System.Range"/> (<c>1..3</c>, <c>..</c>, <c>^2..</c>), which keeps it. Converted implicitly from
/// <see cref="int"/>, <see cref="System.Index"/> and <see cref="System.Range"/>, so <c>x[2, 1..]</c> just works.
/// </summary>
public readonly struct TensorIndex
{
    private TensorIndex(Index index, Range range, bool isRange)
    {
        Position = index;
        Span = range;
        IsRange = isRange;
    }

    /// <summary>True for a range (the axis is kept), false for a single position (the axis is removed).</summary>
    public bool IsRange { get; }

    /// <summary>The position, when <see cref="IsRange"/> is false.</summary>
    public Index Position { get; }

    /// <summary>The range, when <see cref="IsRange"/> is true.</summary>
    public Range Span { get; }

    /// <summary>A position counted from the start; negative integers are rejected (write <c>^1</c> for the last).</summary>
    public static implicit operator TensorIndex(int index) =>
        index >= 0 ? new(index, default, false)
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"Tensor indexer: {index} is negative; count from the end with ^{-(long)index} instead");

    /// <summary>A position, from the start or (with <c>^</c>) from the end.</summary>
    public static implicit operator TensorIndex(Index index) => new(index, default, false);

    /// <summary>A range of positions; the axis is kept.</summary>
    public static implicit operator TensorIndex(Range range) => new(default, range, true);

    /// <inheritdoc/>
    public override string ToString() => IsRange ? Span.ToString() : Position.ToString();
}

public sealed partial class Tensor
{
    /// <summary>
    /// NumPy basic indexing with C# indices and ranges: <c>x[0]</c>, <c>x[1..3]</c>, <c>x[.., ^1]</c>,
    /// <c>x[2, 1..]</c>. Subscripts apply to the leading axes (the rest are kept whole); an integer removes its axis,
    /// a range keeps it. Works on concrete and traced tensors and is differentiable (a slice and a reshape).
    /// Out-of-range subscripts throw, naming the shape and the subscript.
    /// </summary>
    [IndexerName("At")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(indices);
            var shape = Shape;
            if (indices.Length > shape.Rank)
                throw new IndexOutOfRangeException(
                    $"Tensor indexer: {indices.Length} subscripts [{string.Join(", ", indices)}] for {Type}, which has only {shape.Rank} axes");
            var starts = new int[shape.Rank];
            var ends = shape.ToArray();
            var kept = new List<int>(shape.Rank);
            for (int axis = 0; axis < shape.Rank; axis++)
            {
                if (axis >= indices.Length)
                {
                    kept.Add(shape[axis]);
                    continue;
                }
                var sub = indices[axis];
                int n = shape[axis];
                if (sub.IsRange)
                {
                    int from = sub.Span.Start.IsFromEnd ? n - sub.Span.Start.Value : sub.Span.Start.Value;
                    int to = sub.Span.End.IsFromEnd ? n - sub.Span.End.Value : sub.Span.End.Value;
                    if (from < 0 || to > n || from > to)
                        throw new IndexOutOfRangeException(
                            $"Tensor indexer: range {sub} on axis {axis} of {Type} is out of range; it selects [{from}, {to}) of an axis with {n} entries");
                    (starts[axis], ends[axis]) = (from, to);
                    kept.Add(to - from);
                }
                else
                {
                    int at = sub.Position.IsFromEnd ? n - sub.Position.Value : sub.Position.Value;
                    if (at < 0 || at >= n)
                        throw new IndexOutOfRangeException(
                            $"Tensor indexer: index {sub} on axis {axis} of {Type} is out of range; the axis has {n} entries (0..{n - 1}, or ^1..^{n})");
                    (starts[axis], ends[axis]) = (at, at + 1);
                }
            }
            return Ops.Reshape(Ops.Slice(this, starts, ends), kept.ToArray());
        }
    }
}
