using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Validation shared by the shape/dtype rules. Every failure is an <see cref="ArgumentException"/> whose message
/// starts with the op's jaxpr name, names the shapes/dtypes involved and says what to do about it.
/// </summary>
internal static class Checks
{
    public static ArgumentException Error(OpCode op, string message) => new($"{op.Name()}: {message}");

    public static void Arity(OpCode op, ReadOnlySpan<TensorType> inputs, int expected)
    {
        if (inputs.Length != expected)
            throw Error(op, $"expects {expected} operand{(expected == 1 ? "" : "s")}, got {inputs.Length}");
    }

    /// <summary>A required attribute; names it when it is missing.</summary>
    public static T Required<T>(OpCode op, T? value, string name) where T : class =>
        value ?? throw Error(op, $"the '{name}' attribute is missing");

    public static Shape Required(OpCode op, Shape? value, string name) =>
        value ?? throw Error(op, $"the '{name}' attribute is missing");

    public static void Float(OpCode op, TensorType x)
    {
        if (!x.DType.IsFloat())
            throw Error(op, $"expects a float tensor, got {x}; cast it with Cast(x, DType.Float32)");
    }

    /// <summary>Float, or i32 where the op also has an integer meaning.</summary>
    public static void Numeric(OpCode op, TensorType x, bool allowInt32)
    {
        if (x.DType.IsFloat() || (allowInt32 && x.DType == DType.Int32)) return;
        if (allowInt32)
            throw Error(op, $"expects a float or i32 tensor, got {x}; cast it with Cast(x, DType.Float32) or Cast(x, DType.Int32)");
        Float(op, x);
    }

    public static void SameDType(OpCode op, TensorType a, TensorType b)
    {
        if (a.DType != b.DType)
            throw Error(op, $"dtypes {a.DType.ShortName()} and {b.DType.ShortName()} differ (operands {a} and {b}); " +
                $"insert a Cast so both operands have the same dtype");
    }

    /// <summary>NumPy broadcasting of two operand shapes.</summary>
    public static Shape Broadcast(OpCode op, Shape a, Shape b) =>
        Shape.TryBroadcast(a, b) ?? throw Error(op,
            $"shapes {a} and {b} cannot be broadcast together (NumPy rules: trailing dimensions must match or be 1)");

    /// <summary>An axis in [0, rank).</summary>
    public static void Axis(OpCode op, int axis, Shape shape)
    {
        if (axis < 0 || axis >= shape.Rank)
            throw Error(op, $"axis {axis} is out of range for rank {shape.Rank} (shape {shape}); axes must be in [0, {shape.Rank})");
    }

    /// <summary>One entry per axis of <paramref name="shape"/>.</summary>
    public static void PerAxis(OpCode op, int[] values, string name, Shape shape)
    {
        if (values.Length != shape.Rank)
            throw Error(op, $"'{name}' has {values.Length} entries but the operand {shape} has rank {shape.Rank}; give one per axis");
    }
}
