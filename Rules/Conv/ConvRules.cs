using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// The convolution family. conv(x, w) is bilinear; conv_transpose(y, w) is its adjoint in x and conv_weight_grad(x, y)
/// its adjoint in w, so each one's VJP is made of the three (grad of conv in x is conv_transpose of the cotangent,
/// in w it is conv_weight_grad), and derivatives of any order stay inside the family. JVPs use bilinearity:
/// f(ta, b) + f(a, tb). Batching folds the vmap batch into N when only the data operand is batched, and into the
/// channels (one group per example) when the weight is.
/// </summary>
internal abstract class ConvRuleBase(OpCode op) : PrimitiveRule(op)
{
    /// <summary>The geometry, from whichever operands and target shape this op has; validates them.</summary>
    protected abstract ConvGeometry Geometry(Attrs attrs, ReadOnlySpan<TensorType> inputs);

    /// <summary>The output shape given the geometry.</summary>
    protected abstract Shape OutputShape(ConvGeometry g);

    public override TensorType InferType(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        Checks.Arity(Op, inputs, 2);
        Checks.Float(Op, inputs[0]);
        Checks.SameDType(Op, inputs[0], inputs[1]);
        return new TensorType(OutputShape(Geometry(attrs, inputs)), inputs[0].DType);
    }

    public override Array Evaluate(Attrs attrs, TensorType output, ReadOnlySpan<TensorType> inputTypes, ReadOnlySpan<Array> inputs)
    {
        var g = Geometry(attrs, inputTypes);
        var result = ConvReference.Run(Op, g, HostArrays.ToDouble(inputs[0]), HostArrays.ToDouble(inputs[1]));
        return HostArrays.FromDouble(result, output.DType);
    }

    public override Node? Jvp(Node output, Node?[] tangents)
    {
        Node a = output.Inputs[0], b = output.Inputs[1];
        var da = tangents[0] is { } ta ? Ir.B.Emit(Op, output.Attrs, ta, b) : null;
        var db = tangents[1] is { } tb ? Ir.B.Emit(Op, output.Attrs, a, tb) : null;
        return da is null ? db : db is null ? da : da + db;
    }

    protected static ArgumentException Mismatch(OpCode op, string what, Shape got, Shape expected, string operands) =>
        Checks.Error(op, $"{what} {got} does not match the {expected} the convolution geometry needs ({operands})");

    /// <summary>
    /// <paramref name="x"/> with the vmap batch (at <paramref name="axis"/>, or broadcast when -1) merged into axis
    /// <paramref name="into"/> (0: the examples, batch-major; 1: the channels, batch-major).
    /// </summary>
    protected static Node MergeBatch(Node x, int axis, int batchSize, int into)
    {
        var front = BatchAxes.Materialize(x, axis, batchSize);   // [B, a0, a1, rest...]
        var dims = front.Shape.ToArray();
        if (into == 1)
        {
            var perm = new int[dims.Length];
            for (int i = 0; i < perm.Length; i++) perm[i] = i;
            (perm[0], perm[1]) = (1, 0);
            front = Ir.Transpose(front, perm);   // [a0, B, a1, rest...]
            dims = front.Shape.ToArray();
        }
        var merged = new int[dims.Length - 1];
        for (int i = 0, k = 0; i < dims.Length; i++)
        {
            if (i == into) merged[k++] = dims[i] * dims[i + 1];
            else if (i != into + 1) merged[k++] = dims[i];
        }
        return Ir.Reshape(front, new Shape(merged));
    }

    /// <summary>Splits axis <paramref name="axis"/> of <paramref name="x"/> into [batchSize, rest].</summary>
    protected static Node SplitBatch(Node x, int axis, int batchSize)
    {
        var dims = new List<int>(x.Shape.ToArray());
        int rest = dims[axis] / batchSize;
        dims[axis] = rest;
        dims.Insert(axis, batchSize);
        return Ir.Reshape(x, new Shape(dims.ToArray()));
    }

    /// <summary>The attributes with <paramref name="groups"/> groups and target <paramref name="shape"/>.</summary>
    protected static Attrs With(Attrs a, int groups, Shape? shape) =>
        new() { Strides = a.Strides, Padding = a.Padding, Dilation = a.Dilation, Groups = groups, Shape = shape };

    protected static int GroupsOf(Attrs a) => a.Groups == 0 ? 1 : a.Groups;

    /// <summary>A shape with axis <paramref name="axis"/> multiplied by <paramref name="factor"/>.</summary>
    protected static Shape Scaled(Shape s, int axis, int factor)
    {
        var dims = s.ToArray();
        dims[axis] *= factor;
        return new Shape(dims);
    }
}

/// <summary>conv(x [N, C, S...], w [O, C/groups, K...]) -> [N, O, P...]: cross-correlation, as PyTorch's convNd.</summary>
internal sealed class ConvRule() : ConvRuleBase(OpCode.Conv)
{
    protected override ConvGeometry Geometry(Attrs attrs, ReadOnlySpan<TensorType> inputs) =>
        ConvGeometry.Create(Op.Name(), inputs[0].Shape, inputs[1].Shape, attrs);

    protected override Shape OutputShape(ConvGeometry g) => g.OutputShape;

    /// <summary>dx = conv_transpose(ct, w); dw = conv_weight_grad(x, ct).</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        Node x = output.Inputs[0], w = output.Inputs[1];
        return [Ir.ConvTranspose(cotangent, w, output.Attrs, x.Shape), Ir.ConvWeightGrad(x, cotangent, output.Attrs, w.Shape)];
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        if (axes[1] < 0)
        {
            // Only the data is batched: the vmap batch is more examples.
            var y = Ir.Conv(MergeBatch(args[0], axes[0], batchSize, 0), args[1], attrs);
            return (SplitBatch(y, 0, batchSize), 0);
        }
        // Per-example weights: each example's channels become their own groups.
        var x = MergeBatch(args[0], axes[0], batchSize, 1);
        var w = MergeBatch(args[1], axes[1], batchSize, 0);
        var r = Ir.Conv(x, w, With(attrs, GroupsOf(attrs) * batchSize, null));
        return (SplitBatch(r, 1, batchSize), 1);
    }
}

/// <summary>conv_transpose(y [N, O, P...], w [O, C/groups, K...]) -> x-shaped Attrs.Shape: the adjoint of conv in x.</summary>
internal sealed class ConvTransposeRule() : ConvRuleBase(OpCode.ConvTranspose)
{
    protected override ConvGeometry Geometry(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        var xShape = Checks.Required(Op, attrs.Shape, "shape");
        var g = ConvGeometry.Create(Op.Name(), xShape, inputs[1].Shape, attrs);
        if (inputs[0].Shape != g.OutputShape)
            throw Mismatch(Op, "the operand", inputs[0].Shape, g.OutputShape, $"weight {inputs[1].Shape}, result {xShape}");
        return g;
    }

    protected override Shape OutputShape(ConvGeometry g) => g.InputShape;

    /// <summary>dy = conv(ct, w); dw = conv_weight_grad(ct, y).</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        Node y = output.Inputs[0], w = output.Inputs[1];
        return [Ir.Conv(cotangent, w, output.Attrs), Ir.ConvWeightGrad(cotangent, y, output.Attrs, w.Shape)];
    }

    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var xShape = attrs.Shape!.Value;
        if (axes[1] < 0)
        {
            var r0 = Ir.ConvTranspose(MergeBatch(args[0], axes[0], batchSize, 0), args[1], attrs, Scaled(xShape, 0, batchSize));
            return (SplitBatch(r0, 0, batchSize), 0);
        }
        var y = MergeBatch(args[0], axes[0], batchSize, 1);
        var w = MergeBatch(args[1], axes[1], batchSize, 0);
        var r = Ir.ConvTranspose(y, w, With(attrs, GroupsOf(attrs) * batchSize, null), Scaled(xShape, 1, batchSize));
        return (SplitBatch(r, 1, batchSize), 1);
    }
}

/// <summary>conv_weight_grad(x [N, C, S...], y [N, O, P...]) -> w-shaped Attrs.Shape: the adjoint of conv in w.</summary>
internal sealed class ConvWeightGradRule() : ConvRuleBase(OpCode.ConvWeightGrad)
{
    protected override ConvGeometry Geometry(Attrs attrs, ReadOnlySpan<TensorType> inputs)
    {
        var wShape = Checks.Required(Op, attrs.Shape, "shape");
        var g = ConvGeometry.Create(Op.Name(), inputs[0].Shape, wShape, attrs);
        if (inputs[1].Shape != g.OutputShape)
            throw Mismatch(Op, "the operand", inputs[1].Shape, g.OutputShape, $"input {inputs[0].Shape}, result {wShape}");
        return g;
    }

    protected override Shape OutputShape(ConvGeometry g) => g.WeightShape;

    /// <summary>dx = conv_transpose(y, ct); dy = conv(x, ct).</summary>
    public override Node?[] Vjp(Node output, Node cotangent)
    {
        Node x = output.Inputs[0], y = output.Inputs[1];
        return [Ir.ConvTranspose(y, cotangent, output.Attrs, x.Shape), Ir.Conv(x, cotangent, output.Attrs)];
    }

    /// <summary>Always one group per example: each example has its own weight gradient.</summary>
    public override (Node Output, int Axis) Batch(Attrs attrs, Node[] args, int[] axes, int batchSize)
    {
        var x = MergeBatch(args[0], axes[0], batchSize, 1);
        var y = MergeBatch(args[1], axes[1], batchSize, 1);
        var r = Ir.ConvWeightGrad(x, y, With(attrs, GroupsOf(attrs) * batchSize, null), Scaled(attrs.Shape!.Value, 0, batchSize));
        return (SplitBatch(r, 0, batchSize), 0);
    }
}

internal static class ConvRules
{
    public static PrimitiveRule[] Create() => [new ConvRule(), new ConvTransposeRule(), new ConvWeightGradRule()];
}
