using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>reshape: same elements in row-major order, new shape of the same size (no -1 here; the front end resolves it).</summary>
internal sealed class ReshapeRule() : PrimitiveRule(OpCode.Reshape)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var target = Checks.Required(Op, attrs.Shape, "shape");
        if (target.Size != x.Shape.Size)
            throw Checks.Error(Op, $"cannot reshape {x} ({x.Shape.Size} elements) to {target} ({target.Size} elements); " +
                "the number of elements must stay the same");
        return new TensorType(target, x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        HostArrays.Copy(inputs[0]);

    public override Node?[] Vjp(Node output, Node cotangent) => [Ir.Reshape(cotangent, output.Inputs[0].Shape)];
}

/// <summary>transpose: output axis i is input axis Perm[i].</summary>
internal sealed class TransposeRule() : PrimitiveRule(OpCode.Transpose)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var perm = Checks.Required(Op, attrs.Perm, "permutation");
        Checks.PerAxis(Op, perm, "permutation", x.Shape);
        var seen = new bool[perm.Length];
        var dims = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            if (perm[i] < 0 || perm[i] >= perm.Length || seen[perm[i]])
                throw Checks.Error(Op, $"({string.Join(",", perm)}) is not a permutation of the {x.Shape.Rank} axes of {x}; " +
                    $"list each axis 0..{x.Shape.Rank - 1} exactly once");
            seen[perm[i]] = true;
            dims[i] = x.Shape[perm[i]];
        }
        return new TensorType(new Shape(dims), x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var perm = attrs.Perm!;
        var inStrides = inputTypes[0].Shape.Strides();
        var strides = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) strides[i] = inStrides[perm[i]];
        return HostArrays.Take(inputs[0], HostArrays.StridedMap(output.Shape, strides, 0), output.DType);
    }

    public override Node?[] Vjp(Node output, Node cotangent)
    {
        var perm = output.Attrs.Perm!;
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return [Ir.Transpose(cotangent, inverse)];
    }
}

/// <summary>broadcast_in_dim: NumPy broadcast_to(x, Shape).</summary>
internal sealed class BroadcastRule() : PrimitiveRule(OpCode.Broadcast)
{
    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 1);
        var x = inputs[0];
        var target = Checks.Required(Op, attrs.Shape, "shape");
        if (!x.Shape.BroadcastsTo(target))
            throw Checks.Error(Op, $"cannot broadcast {x} to {target} (NumPy rules: trailing dimensions must match or be 1, " +
                "and the target rank must not be smaller)");
        return new TensorType(target, x.DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs) =>
        HostArrays.Take(inputs[0], HostArrays.BroadcastMap(inputTypes[0].Shape, output.Shape), output.DType);

    public override Node?[] Vjp(Node output, Node cotangent) => [Ir.SumToShape(cotangent, output.Inputs[0].Shape)];
}

internal static class ReshapeRules
{
    public static PrimitiveRule[] Create() => [new ReshapeRule(), new TransposeRule(), new BroadcastRule()];
}
