using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// gather(x, indices, Axis) = NumPy take(x, indices, axis): out shape = x.shape[:axis] ++ indices.shape ++
/// x.shape[axis+1:]. Indices are i32 in [0, x.shape[axis]); anything else is an error at evaluation.
/// scatter_add(updates, indices, Axis, Shape) is its transpose: zeros of Shape, then updates added at the
/// gathered positions (duplicates accumulate).
/// </summary>
internal static class GatherRules
{
    public static PrimitiveRule[] Create() => [new GatherRule(), new ScatterAddRule()];

    /// <summary>x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:].</summary>
    public static Shape GatheredShape(Shape x, Shape indices, int axis)
    {
        var dims = new List<int>();
        for (int i = 0; i < axis; i++) dims.Add(x[i]);
        for (int i = 0; i < indices.Rank; i++) dims.Add(indices[i]);
        for (int i = axis + 1; i < x.Rank; i++) dims.Add(x[i]);
        return new Shape(dims.ToArray());
    }

    public static void CheckIndices(OpCode op, TensorType indices)
    {
        if (indices.DType != DType.Int32)
            throw Checks.Error(op, $"indices must be i32, got {indices}; cast them with Cast(indices, DType.Int32)");
    }

    /// <summary>
    /// For each element of the gathered array (row-major), the flat index of the element of the full array
    /// (<paramref name="full"/>) it comes from; validates every index.
    /// </summary>
    public static int[] SourceMap(OpCode op, Shape full, int axis, int[] indices, Shape indicesShape)
    {
        int outer = 1, inner = 1, dim = full[axis];
        for (int i = 0; i < axis; i++) outer *= full[i];
        for (int i = axis + 1; i < full.Rank; i++) inner *= full[i];
        foreach (int ix in indices)
        {
            if (ix < 0 || ix >= dim)
                throw Checks.Error(op, $"index {ix} is out of range for axis {axis} of size {dim} (shape {full}, indices {indicesShape}); " +
                    $"indices must be in [0, {dim}); negative indices are not supported");
        }
        var map = new int[outer * indices.Length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < indices.Length; j++)
            {
                int src = (o * dim + indices[j]) * inner;
                for (int i = 0; i < inner; i++) map[k++] = src + i;
            }
        }
        return map;
    }
}

internal sealed class GatherRule() : PrimitiveRule(OpCode.Gather)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.Axis(Op, attrs.Axis, inputs[0].Shape);
        GatherRules.CheckIndices(Op, inputs[1]);
        return new TensorType(GatherRules.GatheredShape(inputs[0].Shape, inputs[1].Shape, attrs.Axis), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = GatherRules.SourceMap(Op, inputTypes[0].Shape, attrs.Axis, (int[])inputs[1], inputTypes[1].Shape);
        return HostArrays.Take(inputs[0], map, output.DType);
    }

    /// <summary>x gets the cotangent scattered back (duplicates add up); the indices get none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        Node x = output.Inputs[0], indices = output.Inputs[1];
        return [Ir.ScatterAdd(cotangent, indices, output.Attrs.Axis, x.Shape), null];
    }
}

internal sealed class ScatterAddRule() : PrimitiveRule(OpCode.ScatterAdd)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        var updates = inputs[0];
        var target = Checks.Required(Op, attrs.Shape, "shape");
        Checks.Axis(Op, attrs.Axis, target);
        GatherRules.CheckIndices(Op, inputs[1]);
        Checks.Numeric(Op, updates, allowInt32: true);
        var expected = GatherRules.GatheredShape(target, inputs[1].Shape, attrs.Axis);
        if (updates.Shape != expected)
            throw Checks.Error(Op, $"updates {updates.Shape} do not match target {target} with indices {inputs[1].Shape} on axis " +
                $"{attrs.Axis}: expected updates of shape {expected} (target[:axis] ++ indices ++ target[axis+1:])");
        return new TensorType(target, updates.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var map = GatherRules.SourceMap(Op, output.Shape, attrs.Axis, (int[])inputs[1], inputTypes[1].Shape);
        var result = output.DType.NewArray(output.Shape.Size);
        HostArrays.AddAt(inputs[0], map, result);
        return result;
    }

    /// <summary>The updates get the cotangent gathered at the positions they were added to; the indices get none.</summary>
    public override Node?[] Vjp(Node output, Node cotangent) =>
        [Ir.Gather(cotangent, output.Inputs[1], output.Attrs.Axis), null];
}
