using System.Linq.Expressions;
using System.Reflection;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Translates a kernel's scalar expression into a System.Linq.Expressions tree over typed scalars. Loads are
/// delegated to the caller (which knows the loop variables). Method lookups happen here, once per compile.
/// </summary>
internal static class ScalarCodegen
{
    public static Type ClrType(DType dtype) => dtype switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        DType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static Expression Constant(double value, DType dtype) => dtype switch
    {
        DType.Float32 => Expression.Constant((float)value),
        DType.Float64 => Expression.Constant(value),
        DType.Int32 => Expression.Constant((int)value),
        _ => Expression.Constant(value != 0),
    };

    /// <summary>The C# expression that computes the scalar expression <paramref name="e"/> for one element.</summary>
    /// <param name="e">The scalar expression of a kernel body.</param>
    /// <param name="load">Emits the read of one <see cref="LoadExpr"/> (the caller knows the loop indices and buffers).</param>
    /// <param name="shared">Already computed sub-expressions (shared nodes hoisted into locals), by reference.</param>
    public static Expression Emit(ScalarExpr e, Func<LoadExpr, Expression> load, IReadOnlyDictionary<ScalarExpr, ParameterExpression>? shared = null) =>
        shared is not null && shared.TryGetValue(e, out var local) ? local : e switch
        {
            ConstExpr c => Constant(c.Value, c.DType),
            LoadExpr l => load(l),
            OpExpr op => EmitOp(op, load, shared),
            _ => throw new NotSupportedException($"cpu: unknown scalar expression {e.GetType().Name}"),
        };

    /// <summary>
    /// Operation nodes that occur more than once in <paramref name="body"/> (the lowering shares a multi-use value
    /// by reference), children before parents, so a kernel computes each once. Nodes with data-dependent loads are
    /// left inline: hoisting them out of a select's untaken branch could range-check an index that is never used.
    /// </summary>
    public static List<OpExpr> SharedNodes(ScalarExpr body)
    {
        var count = new Dictionary<ScalarExpr, int>(ScalarExprIdentity.Instance);
        var order = new List<OpExpr>();
        void Visit(ScalarExpr e)
        {
            if (e is not OpExpr op) return;
            count[e] = count.GetValueOrDefault(e) + 1;
            if (count[e] > 1) return;
            foreach (var a in op.Args) Visit(a);
            order.Add(op);
        }
        Visit(body);
        var result = new List<OpExpr>();
        foreach (var op in order)
        {
            if (count[op] > 1 && !HasDynamicLoad(op)) result.Add(op);
        }
        return result;
    }

    private static bool HasDynamicLoad(ScalarExpr e)
    {
        bool found = false;
        ScalarExprRewriter.VisitLoads(e, l => found |= !l.IsStrided);
        return found;
    }

    private static Expression EmitOp(OpExpr e, Func<LoadExpr, Expression> load, IReadOnlyDictionary<ScalarExpr, ParameterExpression>? shared)
    {
        var args = new Expression[e.Args.Length];
        for (int i = 0; i < args.Length; i++) args[i] = Emit(e.Args[i], load, shared);
        return e.Op.Kind() switch
        {
            OpKind.Unary => Unary(e.Op, args[0]),
            OpKind.Binary => Binary(e.Op, args[0], args[1]),
            OpKind.Compare => Compare(e.Op, args[0], args[1]),
            OpKind.Select => Expression.Condition(args[0], args[1], args[2]),
            OpKind.Cast when e.Op == OpCode.Cast => Cast(args[0], e.DType),
            OpKind.Cast => args[0],
            _ => throw new NotSupportedException($"cpu: {e.Op.Name()} cannot appear in a scalar expression"),
        };
    }

    private static Expression Unary(OpCode op, Expression x)
    {
        var t = x.Type;
        return op switch
        {
            OpCode.Neg => Expression.Negate(x),
            OpCode.Abs when t == typeof(int) => Call(typeof(ScalarMath), "Abs", x),
            OpCode.Abs => Call(MathType(t), "Abs", x),
            OpCode.Sign => Call(typeof(ScalarMath), "Sign", x),
            OpCode.Exp => Call(MathType(t), "Exp", x),
            OpCode.Log => Call(MathType(t), "Log", x),
            OpCode.Log1p => Call(typeof(ScalarMath), "Log1p", x),
            OpCode.Expm1 => Call(typeof(ScalarMath), "Expm1", x),
            OpCode.Sqrt => Call(MathType(t), "Sqrt", x),
            OpCode.Rsqrt => Call(typeof(ScalarMath), "Rsqrt", x),
            OpCode.Sin => Call(MathType(t), "Sin", x),
            OpCode.Cos => Call(MathType(t), "Cos", x),
            OpCode.Tan => Call(MathType(t), "Tan", x),
            OpCode.Tanh => Call(MathType(t), "Tanh", x),
            OpCode.Logistic => Call(typeof(ScalarMath), "Logistic", x),
            // more elementwise (ops-elem family): Math/MathF where their semantics match the reference exactly
            // (rounding is exact in any precision), the shared special functions otherwise.
            OpCode.Asin => Call(MathType(t), "Asin", x),
            OpCode.Acos => Call(MathType(t), "Acos", x),
            OpCode.Atan => Call(MathType(t), "Atan", x),
            OpCode.Sinh => Call(MathType(t), "Sinh", x),
            OpCode.Cosh => Call(MathType(t), "Cosh", x),
            OpCode.Asinh => Call(MathType(t), "Asinh", x),
            OpCode.Acosh => Call(MathType(t), "Acosh", x),
            OpCode.Atanh => Call(MathType(t), "Atanh", x),
            OpCode.Erf => Call(typeof(SpecialMath), "Erf", x),
            OpCode.Erfc => Call(typeof(SpecialMath), "Erfc", x),
            OpCode.Lgamma => Call(typeof(SpecialMath), "Lgamma", x),
            OpCode.Floor => Call(MathType(t), "Floor", x),
            OpCode.Ceil => Call(MathType(t), "Ceiling", x),
            OpCode.Round => Call(MathType(t), "Round", x),
            OpCode.Trunc => Call(MathType(t), "Truncate", x),
            // bitwise and logical family (jitergo): Not is the complement of an int, the negation of a bool
            OpCode.BitwiseNot => Expression.Not(x),
            _ => throw new NotSupportedException($"cpu: unary {op.Name()}"),
        };
    }

    public static Expression Binary(OpCode op, Expression a, Expression b)
    {
        var t = a.Type;
        return op switch
        {
            OpCode.Add => Expression.Add(a, b),
            OpCode.Sub => Expression.Subtract(a, b),
            OpCode.Mul => Expression.Multiply(a, b),
            OpCode.Div when t == typeof(int) => Call(typeof(ScalarMath), "Div", a, b),
            OpCode.Div => Expression.Divide(a, b),
            OpCode.Pow => Call(MathType(t), "Pow", a, b),
            OpCode.Max => Call(typeof(Math), "Max", a, b),
            OpCode.Min => Call(typeof(Math), "Min", a, b),
            // more elementwise (ops-elem family)
            OpCode.Atan2 => Call(typeof(SpecialMath), "Atan2", a, b),
            OpCode.Mod => Call(typeof(SpecialMath), "Mod", a, b),
            OpCode.Polygamma => Call(typeof(SpecialMath), "Polygamma", a, b),
            // bitwise and logical family (jitergo): And/Or/ExclusiveOr are bitwise on ints, logical (non-short-circuit)
            // on bools; shifts go through helpers that give XLA's 0 for amounts outside [0, 32)
            OpCode.BitwiseAnd => Expression.And(a, b),
            OpCode.BitwiseOr => Expression.Or(a, b),
            OpCode.BitwiseXor => Expression.ExclusiveOr(a, b),
            OpCode.ShiftLeft => Call(typeof(BitwiseMath), "ShiftLeft", a, b),
            OpCode.ShiftRightLogical => Call(typeof(BitwiseMath), "ShiftRightLogical", a, b),
            _ => throw new NotSupportedException($"cpu: binary {op.Name()}"),
        };
    }

    private static Expression Compare(OpCode op, Expression a, Expression b)
    {
        if (a.Type == typeof(bool) && op is not (OpCode.Eq or OpCode.Ne))
        {
            // Ordering of bools: false < true, as the reference compares them as numbers.
            a = Cast(a, DType.Int32);
            b = Cast(b, DType.Int32);
        }
        return op switch
        {
            OpCode.Eq => Expression.Equal(a, b),
            OpCode.Ne => Expression.NotEqual(a, b),
            OpCode.Lt => Expression.LessThan(a, b),
            OpCode.Le => Expression.LessThanOrEqual(a, b),
            OpCode.Gt => Expression.GreaterThan(a, b),
            OpCode.Ge => Expression.GreaterThanOrEqual(a, b),
            _ => throw new NotSupportedException($"cpu: comparison {op.Name()}"),
        };
    }

    /// <summary>
    /// convert_element_type: to bool is "non-zero"; from bool is 0 or 1; float to i32 truncates (the runtime's
    /// conversion saturates and maps NaN to 0, as the reference does).
    /// </summary>
    public static Expression Cast(Expression x, DType to)
    {
        var target = ClrType(to);
        if (x.Type == target) return x;
        if (to == DType.Bool) return Expression.NotEqual(x, Expression.Default(x.Type));
        if (x.Type == typeof(bool)) return Expression.Condition(x, Constant(1, to), Constant(0, to));
        return Expression.Convert(x, target);
    }

    private static Type MathType(Type t) => t == typeof(float) ? typeof(MathF) : typeof(Math);

    private static Expression Call(Type owner, string name, params Expression[] args)
    {
        var types = new Type[args.Length];
        for (int i = 0; i < args.Length; i++) types[i] = args[i].Type;
        var method = owner.GetMethod(name, BindingFlags.Public | BindingFlags.Static, types)
            ?? throw new NotSupportedException($"cpu: no {owner.Name}.{name}({string.Join(", ", types.Select(x => x.Name))})");
        return Expression.Call(method, args);
    }
}
