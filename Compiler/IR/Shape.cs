using System.Text;

namespace Tracer;

/// <summary>An immutable tensor shape. <c>default(Shape)</c> is the scalar shape <c>[]</c>.</summary>
public readonly struct Shape : IEquatable<Shape>
{
    private static readonly int[] NoDims = [];
    private readonly int[]? dims;

    /// <summary>A shape of the given dimensions (copied); negative dimensions are an error.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (int d in dims)
        {
            if (d < 0)
                throw new ArgumentException($"shape {Format(dims)} has a negative dimension");
        }
        CheckSize(dims);
        this.dims = dims.Length == 0 ? NoDims : dims.AsSpan().ToArray();   // Array.Clone goes through a slow generic path
    }

    private Shape(int[] dims, bool owned) => this.dims = dims;

    /// <summary>Wraps an array the caller promises never to mutate again.</summary>
    internal static Shape Own(int[] dims)
    {
        CheckSize(dims);
        return new(dims, owned: true);
    }

    /// <summary>The largest element count a tensor can have: its data is one .NET array, indexed by int.</summary>
    public const int MaxSize = int.MaxValue;

    /// <summary>
    /// Rejects shapes of more than <see cref="MaxSize"/> elements. Checked per dimension, so the product can
    /// never wrap around (four dimensions of 65536 would wrap a long to 0 and pass as an empty tensor); a zero
    /// dimension makes any shape empty and valid.
    /// </summary>
    private static void CheckSize(int[] dims)
    {
        long size = 1;
        bool overflow = false;
        foreach (int d in dims)
        {
            if (d == 0) return;
            if (!overflow)
            {
                size *= d;
                overflow = size > MaxSize;
            }
        }
        if (overflow)
        {
            double total = 1;
            foreach (int d in dims) total *= d;
            throw new ArgumentException(
                $"shape {Format(dims)} has {total.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} elements, more than " +
                $"a tensor can hold (at most {MaxSize}, the maximum length of a .NET array); use smaller dimensions");
        }
    }

    /// <summary>The shape <c>[]</c> of a scalar.</summary>
    public static Shape Scalar => default;

    /// <summary>The number of axes.</summary>
    public int Rank => dims?.Length ?? 0;

    /// <summary>Same as <see cref="Rank"/>; lets C# index from the end: <c>shape[^1]</c>.</summary>
    public int Length => Rank;

    /// <summary>The size of axis <paramref name="axis"/>.</summary>
    public int this[int axis] => (dims ?? NoDims)[axis];

    /// <summary>Number of elements (1 for a scalar).</summary>
    public int Size
    {
        get
        {
            long size = 1;
            foreach (int d in Dims) size *= d;
            return checked((int)size);
        }
    }

    /// <summary>The dimensions, without copying.</summary>
    public ReadOnlySpan<int> Dims => dims ?? NoDims;

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>Row-major (C order) strides in elements.</summary>
    public int[] Strides()
    {
        var s = new int[Rank];
        int acc = 1;
        for (int i = Rank - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= this[i];
        }
        return s;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Whether the two shapes have the same dimensions.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Whether the two shapes differ in a dimension or in rank.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <inheritdoc/>
    public override string ToString() => Format(Dims);

    /// <summary>Formats dimensions as printed shapes are, e.g. <c>[2,3]</c>.</summary>
    public static string Format(ReadOnlySpan<int> dims)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < dims.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(dims[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>NumPy broadcasting of two shapes; null when they are incompatible.</summary>
    public static Shape? TryBroadcast(Shape a, Shape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1) return null;
            result[i] = da == 1 ? db : da;
        }
        return Own(result);
    }

    /// <summary>True when this shape broadcasts to <paramref name="target"/> under NumPy rules.</summary>
    public bool BroadcastsTo(Shape target)
    {
        if (Rank > target.Rank) return false;
        int offset = target.Rank - Rank;
        for (int i = 0; i < Rank; i++)
        {
            if (this[i] != 1 && this[i] != target[i + offset]) return false;
        }
        return true;
    }
}
