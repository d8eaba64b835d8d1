using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>Which vector instructions generated kernels use.</summary>
public enum VectorIsa
{
    /// <summary>Scalar code only.</summary>
    None,

    /// <summary><see cref="Vector256{T}"/> (AVX2).</summary>
    V256,

    /// <summary><see cref="Vector512{T}"/> (AVX-512).</summary>
    V512,
}

/// <summary>
/// The vector body of a kernel's innermost loop: the same scalar expression evaluated on whole vectors of lanes
/// (<see cref="Simd512"/>/<see cref="Simd256"/> calls), for loops where every address map has stride 1 (a vector
/// load or store) or 0 (a broadcast scalar) along the innermost axis. Register reductions keep a vector
/// accumulator (f64 lanes for f32 sums) that is folded into the scalar accumulator before the scalar tail.
/// </summary>
internal sealed class VectorCodegen
{
    private readonly LoopKernel kernel;
    private readonly LoopCodegen owner;
    private readonly Type helper;
    private readonly Type elem;
    private readonly Type vec;
    private readonly ParameterExpression[] vacc = [];

    public VectorCodegen(LoopKernel kernel, VectorIsa isa, LoopCodegen owner)
    {
        this.kernel = kernel;
        this.owner = owner;
        widenedAccumulate = IsWidenedAccumulate(kernel);
        elem = widenedAccumulate ? typeof(float) : ScalarCodegen.ClrType(kernel.DType);
        (helper, vec) = isa == VectorIsa.V512
            ? (typeof(Simd512), typeof(Vector512<>).MakeGenericType(elem))
            : (typeof(Simd256), typeof(Vector256<>).MakeGenericType(elem));
        Lanes = (isa == VectorIsa.V512 ? 64 : 32) / (elem == typeof(double) ? 8 : 4);
        if (kernel.IsRegisterReduction)
        {
            if (WidenedSum)
            {
                var wide = isa == VectorIsa.V512 ? typeof(Vector512<double>) : typeof(Vector256<double>);
                vacc = [Expression.Variable(wide, "vlo"), Expression.Variable(wide, "vhi")];
            }
            else
            {
                vacc = [Expression.Variable(vec, "vacc")];
            }
        }
    }

    /// <summary>Locals the kernel must declare (the vector accumulators).</summary>
    public IReadOnlyList<ParameterExpression> Variables => vacc;

    /// <summary>Elements per vector.</summary>
    public int Lanes { get; }

    private bool WidenedSum => kernel.ReduceOp == OpCode.ReduceSum && kernel.DType == DType.Float32;

    /// <summary>See <see cref="IsWidenedAccumulate"/>: the body runs on f32 vectors, the output is f64.</summary>
    private readonly bool widenedAccumulate;

    /// <summary>
    /// An f32 sum over a leading axis, accumulated in place into an f64 buffer (<c>out[j] += (double)body</c>): a
    /// column sum, as a bias gradient is. Its f32 body runs on whole f32 vectors whose two halves are widened and
    /// added into the f64 rows, rather than one scalar at a time.
    /// </summary>
    private static bool IsWidenedAccumulate(LoopKernel k) =>
        k.Mode == WriteMode.Accumulate && k.ReduceOp == OpCode.ReduceSum && k.DType == DType.Float64
        && k.Body is OpExpr { Op: OpCode.Cast } cast && cast.Args[0].DType == DType.Float32;

    /// <summary>The best vector width the hardware accelerates.</summary>
    public static VectorIsa Best =>
        Vector512.IsHardwareAccelerated ? VectorIsa.V512 : Vector256.IsHardwareAccelerated ? VectorIsa.V256 : VectorIsa.None;

    /// <summary>
    /// The vector width for <paramref name="k"/>: <paramref name="isa"/>, narrowed to 256 bits for a loop that evaluates
    /// a transcendental function unless <paramref name="wideTranscendentals"/> (see
    /// <see cref="CpuBackendOptions.WideTranscendentals"/> for the measurement behind it).
    /// </summary>
    public static VectorIsa WidthFor(LoopKernel k, VectorIsa isa, bool wideTranscendentals) =>
        isa == VectorIsa.V512 && !wideTranscendentals && Vector256.IsHardwareAccelerated && HasTranscendental(k.Body)
            ? VectorIsa.V256
            : isa;

    private static bool HasTranscendental(ScalarExpr e)
    {
        if (e is not OpExpr op) return false;
        if (op.Op is OpCode.Exp or OpCode.Log or OpCode.Sin or OpCode.Cos or OpCode.Tanh or OpCode.Logistic or OpCode.Erf)
            return true;
        foreach (var a in op.Args)
            if (HasTranscendental(a)) return true;
        return false;
    }

    /// <summary>
    /// True when the innermost loop can run on vectors: a float kernel whose loads and output are contiguous or
    /// broadcast along the innermost axis, with no data-dependent addresses, made of operations with a vector form
    /// (comparisons only as the condition of a select), and every address in range (vector accesses are unchecked).
    /// </summary>
    public static bool CanVectorize(LoopKernel k, IReadOnlyList<BufferInfo> buffers)
    {
        int depth = k.Domain.Length;
        if (depth == 0 || k.DType is not (DType.Float32 or DType.Float64 or DType.Int32) || k.OutDynamic.Length > 0) return false;
        // i32 kernels (bitwise and logical family, jitergo): plain elementwise writes only, no reductions.
        if (k.DType == DType.Int32 && (k.IsRegisterReduction || k.Mode == WriteMode.Accumulate)) return false;
        int inner = depth - 1;
        if (k.IsRegisterReduction)
        {
            if (k.ReduceOp is not (OpCode.ReduceSum or OpCode.ReduceMax or OpCode.ReduceMin)) return false;
        }
        else
        {
            if (k.OutMap.Strides[inner] != 1) return false;
            if (k.Mode == WriteMode.Accumulate && k.ReduceOp is not (null or OpCode.ReduceSum or OpCode.ReduceMax or OpCode.ReduceMin))
                return false;
        }
        if (!InRange(k.OutMap, k.Domain, buffers[k.Output].Length)) return false;
        if (IsWidenedAccumulate(k)) return Supported(((OpExpr)k.Body).Args[0], DType.Float32, k.Domain, buffers);
        return Supported(k.Body, k.DType, k.Domain, buffers);
    }

    private static bool Supported(ScalarExpr e, DType t, int[] domain, IReadOnlyList<BufferInfo> buffers)
    {
        switch (e)
        {
            case ConstExpr c:
                return c.DType == t;
            case LoadExpr l:
                return l.DType == t && l.IsStrided && l.Map.Strides[^1] is 0 or 1 && InRange(l.Map, domain, buffers[l.Buffer].Length);
            case OpExpr op when op.DType == t && t == DType.Int32:
                if (!SupportedInt32(op)) return false;
                foreach (var a in op.Args)
                {
                    if (a is ConstExpr && op.Op is OpCode.ShiftLeft or OpCode.ShiftRightLogical) continue;
                    if (!Supported(a, t, domain, buffers)) return false;
                }
                return true;
            case OpExpr op when op.DType == t:
                switch (op.Op.Kind())
                {
                    case OpKind.Unary:
                        if (op.Op is not (OpCode.Neg or OpCode.Abs or OpCode.Sign or OpCode.Exp or OpCode.Log or OpCode.Sqrt
                            or OpCode.Rsqrt or OpCode.Sin or OpCode.Cos or OpCode.Tanh or OpCode.Logistic
                            // more elementwise (ops-elem family)
                            or OpCode.Floor or OpCode.Ceil or OpCode.Round or OpCode.Trunc or OpCode.Erf)) return false;
                        break;
                    case OpKind.Binary:
                        if (op.Op is not (OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div or OpCode.Max or OpCode.Min)) return false;
                        break;
                    case OpKind.Select:
                        if (op.Args[0] is not OpExpr { } cmp || cmp.Op.Kind() != OpKind.Compare
                            || cmp.Args[0].DType != t || !Supported(cmp.Args[0], t, domain, buffers) || !Supported(cmp.Args[1], t, domain, buffers))
                            return false;
                        return Supported(op.Args[1], t, domain, buffers) && Supported(op.Args[2], t, domain, buffers);
                    default:
                        return false;
                }
                foreach (var a in op.Args)
                {
                    if (!Supported(a, t, domain, buffers)) return false;
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// i32 operations with a vector form (bitwise and logical family, jitergo): wrapping arithmetic, max/min and
    /// the bitwise ops; shifts by a constant amount in [0, 32) (a vector shift takes one count for every lane).
    /// </summary>
    private static bool SupportedInt32(OpExpr op) => op.Op switch
    {
        OpCode.Neg or OpCode.BitwiseNot or OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Max or OpCode.Min
            or OpCode.BitwiseAnd or OpCode.BitwiseOr or OpCode.BitwiseXor => true,
        OpCode.ShiftLeft or OpCode.ShiftRightLogical => op.Args[1] is ConstExpr { Value: >= 0 and < 32 },
        _ => false,
    };

    /// <summary>Every address the map produces over the domain lies in [0, length).</summary>
    private static bool InRange(IndexMap map, int[] domain, int length)
    {
        long min = map.Offset, max = map.Offset;
        for (int d = 0; d < domain.Length; d++)
        {
            long span = (long)(domain[d] - 1) * map.Strides[d];
            if (span > 0) max += span;
            else min += span;
        }
        return min >= 0 && max < length;
    }

    /// <summary>Statements before the vector loop: the vector accumulator starts at the identity.</summary>
    public IEnumerable<Expression> Begin()
    {
        if (vacc.Length == 0) yield break;
        var identity = kernel.ReduceIdentity();
        foreach (var v in vacc)
        {
            var lane = v.Type.GetGenericArguments()[0];
            yield return Expression.Assign(v, Call("Splat", lane, Expression.Constant(lane == typeof(float) ? (object)(float)identity : identity, lane)));
        }
    }

    /// <summary>Statements after the vector loop: fold the vector accumulator into the scalar one.</summary>
    public IEnumerable<Expression> End(ParameterExpression? accumulator)
    {
        if (vacc.Length == 0) yield break;
        Expression folded = WidenedSum
            ? Call("Sum", typeof(double), Call("Add", typeof(double), vacc[0], vacc[1]))
            : Call(kernel.ReduceOp switch { OpCode.ReduceSum => "Sum", OpCode.ReduceMax => "HMax", _ => "HMin" }, elem, vacc[0]);
        yield return Expression.Assign(accumulator!, owner.Combine(accumulator!, folded));
    }

    /// <summary>One vector step at the current offsets.</summary>
    public Expression Body()
    {
        var hoisted = ScalarCodegen.SharedNodes(kernel.Body);
        shared.Clear();
        PairSinCos(hoisted);
        var block = new List<Expression>();
        var locals = new List<ParameterExpression>();
        AssignPairsOf(null, block, locals);
        foreach (var node in hoisted)
        {
            var value = Emit(node);
            var v = Expression.Variable(value.Type, "v" + shared.Count);
            block.Add(Expression.Assign(v, value));
            shared[node] = v;
            locals.Add(v);
            AssignPairsOf(node, block, locals);
        }
        var root = widenedAccumulate ? ((OpExpr)kernel.Body).Args[0] : kernel.Body;
        var step = Step(Emit(root));
        if (block.Count == 0) return step;
        block.Add(step);
        return Expression.Block(locals, block);
    }

    private readonly Dictionary<ScalarExpr, ParameterExpression> shared = new(ScalarExprIdentity.Instance);

    /// <summary>A sin and a cos of the same argument, computed by one SinCos into a tuple local.</summary>
    private sealed record SinCosPair(ParameterExpression Local, ScalarExpr Argument);

    private readonly Dictionary<ScalarExpr, SinCosPair> sinCos = new(ScalarExprIdentity.Instance);

    /// <summary>
    /// Pairs sin and cos nodes of one argument (the same node, or equal contiguous loads): the derivative of sin is
    /// cos, so a gradient kernel usually holds both, and SinCos shares their range reduction. Only arguments that
    /// are loads or hoisted nodes pair up, so the pair can be computed as a statement before any use.
    /// </summary>
    private void PairSinCos(List<OpExpr> hoisted)
    {
        sinCos.Clear();
        var sines = new List<OpExpr>();
        var cosines = new List<OpExpr>();
        var seen = new HashSet<ScalarExpr>(ScalarExprIdentity.Instance);
        void Visit(ScalarExpr e)
        {
            if (e is not OpExpr op || !seen.Add(e)) return;
            if (op.Op == OpCode.Sin) sines.Add(op);
            else if (op.Op == OpCode.Cos) cosines.Add(op);
            foreach (var a in op.Args) Visit(a);
        }
        Visit(kernel.Body);
        var tuple = typeof(ValueTuple<,>).MakeGenericType(vec, vec);
        foreach (var sin in sines)
        {
            var arg = sin.Args[0];
            if (!(arg is LoadExpr { IsStrided: true } || (arg is OpExpr argOp && hoisted.Contains(argOp)))) continue;
            foreach (var cos in cosines)
            {
                if (sinCos.ContainsKey(cos) || !SameValue(arg, cos.Args[0])) continue;
                var pair = new SinCosPair(Expression.Variable(tuple, "sc" + sinCos.Count / 2), arg);
                sinCos[sin] = pair;
                sinCos[cos] = pair;
                break;
            }
        }
    }

    private static bool SameValue(ScalarExpr a, ScalarExpr b) =>
        ReferenceEquals(a, b)
        || (a is LoadExpr la && b is LoadExpr lb && la.IsStrided && lb.IsStrided && la.Buffer == lb.Buffer && la.Map.Equals(lb.Map));

    /// <summary>
    /// Computes every pair whose argument is <paramref name="after"/> (null: a load), right after that argument's
    /// own statement, so both halves are ready before their first use.
    /// </summary>
    private void AssignPairsOf(OpExpr? after, List<Expression> block, List<ParameterExpression> locals)
    {
        foreach (var pair in sinCos.Values)
        {
            if (locals.Contains(pair.Local)) continue;
            bool ready = after is null ? pair.Argument is LoadExpr : ReferenceEquals(pair.Argument, after);
            if (!ready) continue;
            block.Add(Expression.Assign(pair.Local, Call("SinCos", null, Emit(pair.Argument))));
            locals.Add(pair.Local);
        }
    }

    private Expression Step(Expression value)
    {
        if (kernel.IsRegisterReduction)
        {
            if (WidenedSum)
            {
                // The f32 value feeds both halves: computed once into a local (else the body, transcendental
                // calls included, would run twice per vector).
                var v = Expression.Variable(value.Type, "wide");
                return Expression.Block([v],
                    Expression.Assign(v, value),
                    Expression.Assign(vacc[0], Call("Add", typeof(double), vacc[0], Call("WidenLower", null, v))),
                    Expression.Assign(vacc[1], Call("Add", typeof(double), vacc[1], Call("WidenUpper", null, v))));
            }
            return Expression.Assign(vacc[0], CombineVector(vacc[0], value));
        }
        var array = owner.arrays[kernel.Output];
        var at = owner.Offset(kernel.OutMap, owner.depth);
        if (widenedAccumulate)
        {
            var upper = Expression.Add(at, Expression.Constant(Lanes / 2));
            var v = Expression.Variable(value.Type, "wide");
            return Expression.Block([v],
                Expression.Assign(v, value),
                Call("Store", typeof(double), array, at, Call("Add", typeof(double), Call("Load", typeof(double), array, at), Call("WidenLower", null, v))),
                Call("Store", typeof(double), array, upper, Call("Add", typeof(double), Call("Load", typeof(double), array, upper), Call("WidenUpper", null, v))));
        }
        if (kernel.Mode == WriteMode.Accumulate)
            value = CombineVector(Call("Load", elem, array, at), value);
        return Call("Store", elem, array, at, value);
    }

    private Expression CombineVector(Expression acc, Expression value) => kernel.ReduceOp switch
    {
        null or OpCode.ReduceSum => Call("Add", elem, acc, value),
        OpCode.ReduceMax => Call("Max", elem, acc, value),
        _ => Call("Min", elem, acc, value),
    };

    private Expression Emit(ScalarExpr e)
    {
        if (shared.TryGetValue(e, out var local)) return local;
        switch (e)
        {
            case ConstExpr c:
                return Call("Splat", elem, ScalarCodegen.Constant(c.Value, c.DType));
            case LoadExpr l:
                return l.Map.Strides[^1] == 1
                    ? Call("Load", elem, owner.arrays[l.Buffer], owner.Offset(l.Map, owner.depth))
                    : Call("Splat", elem, owner.Load(l));
            case OpExpr op:
                if (sinCos.TryGetValue(op, out var pair)) return Expression.Field(pair.Local, op.Op == OpCode.Sin ? "Item1" : "Item2");
                if (op.Op.Kind() == OpKind.Select)
                    return Call("Select", elem, Emit(op.Args[0]), Emit(op.Args[1]), Emit(op.Args[2]));
                if (op.Op is OpCode.ShiftLeft or OpCode.ShiftRightLogical)   // one constant count for all lanes
                    return Call(Name(op.Op), null, Emit(op.Args[0]), Expression.Constant((int)((ConstExpr)op.Args[1]).Value));
                var args = new Expression[op.Args.Length];
                for (int i = 0; i < args.Length; i++) args[i] = Emit(op.Args[i]);
                return Call(Name(op.Op), elem, args);
            default:
                throw new NotSupportedException($"cpu: cannot vectorise {e.GetType().Name}");
        }
    }

    private static string Name(OpCode op) => op switch
    {
        OpCode.Eq => "Eq",
        OpCode.Ne => "Ne",
        OpCode.Lt => "Lt",
        OpCode.Le => "Le",
        OpCode.Gt => "Gt",
        OpCode.Ge => "Ge",
        OpCode.Add => "Add",
        OpCode.Sub => "Sub",
        OpCode.Mul => "Mul",
        OpCode.Div => "Div",
        OpCode.Max => "Max",
        OpCode.Min => "Min",
        OpCode.Neg => "Neg",
        OpCode.Abs => "Abs",
        OpCode.Sign => "Sign",
        OpCode.Exp => "Exp",
        OpCode.Log => "Log",
        OpCode.Sqrt => "Sqrt",
        OpCode.Rsqrt => "Rsqrt",
        OpCode.Sin => "Sin",
        OpCode.Cos => "Cos",
        OpCode.Tanh => "Tanh",
        OpCode.Logistic => "Logistic",
        // bitwise and logical family (jitergo)
        OpCode.BitwiseAnd => "And",
        OpCode.BitwiseOr => "Or",
        OpCode.BitwiseXor => "Xor",
        OpCode.BitwiseNot => "Not",
        OpCode.ShiftLeft => "ShiftLeft",
        OpCode.ShiftRightLogical => "ShiftRightLogical",
        // more elementwise (ops-elem family)
        OpCode.Floor => "Floor",
        OpCode.Ceil => "Ceil",
        OpCode.Round => "Round",
        OpCode.Trunc => "Trunc",
        OpCode.Erf => "Erf",
        _ => throw new NotSupportedException($"cpu: no vector form of {op.Name()}"),
    };

    /// <summary>
    /// A call of a vector operation. Plain arithmetic, comparisons, selects and broadcasts call the
    /// <see cref="Vector256"/>/<see cref="Vector512"/> methods themselves, which the JIT expands as intrinsics on the
    /// spot (a wrapper would cost it an inlining decision per use, which dominates compile time for big graphs);
    /// the rest call a helper: the non-generic overload for these argument types if there is one (transcendentals),
    /// else the generic method instantiated at <paramref name="lane"/>.
    /// </summary>
    private Expression Call(string name, Type? lane, params Expression[] args)
    {
        var types = new Type[args.Length];
        for (int i = 0; i < args.Length; i++) types[i] = args[i].Type;
        // Helper overloads differ by name and the type of their first argument.
        var method = Intrinsic(name, lane, args.Length) ?? Methods.GetOrAdd((helper, name, lane, types[0]), key =>
        {
            var found = key.Helper.GetMethod(key.Name, BindingFlags.Public | BindingFlags.Static, types);
            if (found is null && key.Lane is not null)
            {
                foreach (var m in key.Helper.GetMethods(BindingFlags.Public | BindingFlags.Static))
                {
                    if (m.Name == key.Name && m.IsGenericMethodDefinition && m.GetParameters().Length == types.Length)
                        return m.MakeGenericMethod(key.Lane);
                }
            }
            return found ?? throw new NotSupportedException($"cpu: no {key.Helper.Name}.{key.Name}");
        });
        return Expression.Call(method, args);
    }

    private static readonly ConcurrentDictionary<(Type Helper, string Name, Type? Lane, Type First), MethodInfo> Methods = new();

    private static readonly ConcurrentDictionary<(Type Owner, string Name, Type Lane, int Arity), MethodInfo> Intrinsics = new();

    private static readonly Dictionary<string, string> IntrinsicNames = new()
    {
        ["Add"] = "Add", ["Sub"] = "Subtract", ["Mul"] = "Multiply", ["Div"] = "Divide", ["Neg"] = "Negate",
        ["Abs"] = "Abs", ["Max"] = "Max", ["Min"] = "Min", ["Sqrt"] = "Sqrt", ["Splat"] = "Create",
        ["Select"] = "ConditionalSelect", ["Lt"] = "LessThan", ["Le"] = "LessThanOrEqual", ["Gt"] = "GreaterThan",
        ["Ge"] = "GreaterThanOrEqual", ["Eq"] = "Equals",
    };

    /// <summary>The Vector256/Vector512 method for a helper name (semantics identical to the helper's), or null.</summary>
    private MethodInfo? Intrinsic(string name, Type? lane, int arity)
    {
        if (lane is null || !IntrinsicNames.TryGetValue(name, out var target)) return null;
        var owner = helper == typeof(Simd512) ? typeof(Vector512) : typeof(Vector256);
        return Intrinsics.GetOrAdd((owner, target, lane, arity), key =>
        {
            var vectorOfT = key.Owner == typeof(Vector512) ? typeof(Vector512<>) : typeof(Vector256<>);
            foreach (var m in key.Owner.GetMethods(BindingFlags.Public | BindingFlags.Static))
            {
                if (m.Name != key.Name || !m.IsGenericMethodDefinition || m.GetGenericArguments().Length != 1) continue;
                var ps = m.GetParameters();
                if (ps.Length != arity) continue;
                bool match = true;
                foreach (var p in ps)
                {
                    var t = p.ParameterType;
                    // Create(T) takes the lane value; every other one takes vectors of T.
                    match &= key.Name == "Create" ? t.IsGenericParameter : t.IsGenericType && t.GetGenericTypeDefinition() == vectorOfT;
                }
                if (match) return m.MakeGenericMethod(key.Lane);
            }
            throw new NotSupportedException($"cpu: no {key.Owner.Name}.{key.Name}<{key.Lane.Name}> of {arity} arguments");
        });
    }
}
