using Tracer.Compiler;

namespace Tracer;

public static partial class Ops
{
    /// <summary>Same data in a new shape; one dimension may be -1 and is then inferred.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        NotNull(x, "Reshape");
        var dims = (int[])NotNull(shape, "Reshape", "shape").Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: only one dimension may be -1, got {Shape.Format(shape)} for {x.Type}");
                infer = i;
            }
            else if (dims[i] < 0)
            {
                throw new ArgumentException($"Reshape: invalid dimension {dims[i]} in {Shape.Format(shape)}");
            }
            else
            {
                known *= dims[i];
            }
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Shape.Size % known != 0)
                throw new ArgumentException($"Reshape: cannot reshape {x.Type} ({x.Shape.Size} elements) to {Shape.Format(shape)}");
            dims[infer] = (int)(x.Shape.Size / known);
        }
        var target = NewShape("Reshape", dims);
        if (target.Size != x.Shape.Size)
        {
            throw new ArgumentException(
                $"Reshape: cannot reshape {x.Type} ({x.Shape.Size} elements) to {target} ({target.Size} elements); the sizes must match");
        }
        return target == x.Shape ? x : Dispatch.Apply(OpCode.Reshape, new Attrs { Shape = target }, x);
    }

    /// <summary>Permutes the axes: output axis i is input axis perm[i]. No permutation reverses the axes.</summary>
    public static Tensor Transpose(Tensor x, params int[]? perm)
    {
        NotNull(x, "Transpose");
        int rank = x.Shape.Rank;
        if (perm is null || perm.Length == 0)
        {
            perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        else
        {
            perm = (int[])perm.Clone();
            for (int i = 0; i < perm.Length; i++)
            {
                if (perm[i] < 0) perm[i] += rank;
            }
        }
        return Dispatch.Apply(OpCode.Transpose, new Attrs { Perm = perm }, x);
    }

    /// <summary>NumPy-style broadcast of <paramref name="x"/> to <paramref name="shape"/>.</summary>
    public static Tensor BroadcastTo(Tensor x, params int[] shape)
    {
        NotNull(x, "BroadcastTo");
        NotNull(shape, "BroadcastTo", "shape");
        var target = NewShape("BroadcastTo", shape);
        return target == x.Shape ? x : Dispatch.Apply(OpCode.Broadcast, new Attrs { Shape = target }, x);
    }

    /// <summary>The elements from starts (inclusive) to ends (exclusive) on every axis; negatives count from the end.</summary>
    public static Tensor Slice(Tensor x, int[] starts, int[] ends)
    {
        NotNull(x, "Slice");
        NotNull(starts, "Slice", "starts");
        NotNull(ends, "Slice", "ends");
        int rank = x.Shape.Rank;
        if (starts.Length != rank || ends.Length != rank)
        {
            throw new ArgumentException(
                $"Slice: {x.Type} has rank {rank} but starts {Shape.Format(starts)} and ends {Shape.Format(ends)} have lengths {starts.Length} and {ends.Length}");
        }
        var s = new int[rank];
        var e = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            s[i] = starts[i] < 0 ? starts[i] + x.Shape[i] : starts[i];
            e[i] = ends[i] < 0 ? ends[i] + x.Shape[i] : ends[i];
        }
        return Dispatch.Apply(OpCode.Slice, new Attrs { Starts = s, Ends = e }, x);
    }

    /// <summary>Joins <paramref name="xs"/> along an existing axis; the other axes must agree.</summary>
    public static Tensor Concat(int axis, params Tensor[] xs)
    {
        NoNullElements(xs, "Concat");
        if (xs.Length == 0) throw new ArgumentException("Concat: needs at least one tensor", nameof(xs));
        int a = NormalizeAxis("Concat", xs[0], axis);
        if (xs.Length == 1) return xs[0];
        var dtype = xs[0].DType;
        foreach (var t in xs) dtype = DTypeExtensions.Promote(dtype, t.DType);
        var cast = new Tensor[xs.Length];
        for (int i = 0; i < xs.Length; i++) cast[i] = Cast(xs[i], dtype);
        return Dispatch.Apply(OpCode.Concat, new Attrs { Axis = a }, cast);
    }

    /// <summary>Joins tensors of one shape along a new axis.</summary>
    public static Tensor Stack(int axis, params Tensor[] xs)
    {
        NoNullElements(xs, "Stack");
        if (xs.Length == 0) throw new ArgumentException("Stack: needs at least one tensor", nameof(xs));
        int a = NormalizeAxis("Stack", xs[0], axis, extra: 1);
        for (int i = 1; i < xs.Length; i++)
        {
            if (xs[i].Shape != xs[0].Shape)
                throw new ArgumentException($"Stack: all tensors must have one shape, got {xs[0].Type} and {xs[i].Type}");
        }
        var expanded = new Tensor[xs.Length];
        for (int i = 0; i < xs.Length; i++) expanded[i] = ExpandDims(xs[i], a);
        return Concat(a, expanded);
    }

    /// <summary>Removes axes of length 1 (all of them when none are named).</summary>
    public static Tensor Squeeze(Tensor x, params int[]? axes)
    {
        NotNull(x, "Squeeze");
        var drop = new bool[x.Shape.Rank];
        if (axes is null || axes.Length == 0)
        {
            for (int i = 0; i < drop.Length; i++) drop[i] = x.Shape[i] == 1;
        }
        else
        {
            foreach (int a in axes)
            {
                int n = NormalizeAxis("Squeeze", x, a);
                if (x.Shape[n] != 1)
                    throw new ArgumentException($"Squeeze: axis {a} of {x.Type} has length {x.Shape[n]}, not 1");
                drop[n] = true;
            }
        }
        var dims = new List<int>();
        for (int i = 0; i < drop.Length; i++)
        {
            if (!drop[i]) dims.Add(x.Shape[i]);
        }
        return Reshape(x, dims.ToArray());
    }

    /// <summary>Inserts an axis of length 1 at <paramref name="axis"/> (negative counts from the end of the result).</summary>
    public static Tensor ExpandDims(Tensor x, int axis)
    {
        NotNull(x, "ExpandDims");
        int a = NormalizeAxis("ExpandDims", x, axis, extra: 1);
        var dims = new List<int>(x.Shape.ToArray());
        dims.Insert(a, 1);
        return Reshape(x, dims.ToArray());
    }

    /// <summary>
    /// NumPy's take: picks entries of <paramref name="x"/> along <paramref name="axis"/> at the i32
    /// <paramref name="indices"/>; result shape x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:].
    /// </summary>
    public static Tensor Take(Tensor x, Tensor indices, int axis)
    {
        NotNull(x, "Take");
        NotNull(indices, "Take", "indices");
        if (indices.DType != DType.Int32)
            throw new ArgumentException($"Take: indices must be i32, got {indices.Type}; use Cast(indices, DType.Int32)");
        int a = NormalizeAxis("Take", x, axis);
        return Dispatch.Apply(OpCode.Gather, new Attrs { Axis = a }, x, indices);
    }

    /// <summary>A shape for <paramref name="op"/>: an invalid one (negative or too many elements) names the operation.</summary>
    private static Shape NewShape(string op, int[] dims)
    {
        try
        {
            return new Shape(dims);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{op}: {e.Message}", "shape", e);
        }
    }
}
