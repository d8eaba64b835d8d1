using System.Linq.Expressions;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Turns one <see cref="LoopKernel"/> into <c>Action&lt;Array[]&gt;</c> as an expression tree: typed array locals
/// (one cast per call), a loop nest over the domain, and per distinct address map one running offset per loop level
/// (strength-reduced: each iteration adds the stride, no multiplications). A register reduction keeps its
/// accumulator (f64 for f32 sums and products) in a local across the reduced, innermost loops; an accumulating
/// kernel read-modify-writes its output. The innermost loop is built by <see cref="InnermostLoop"/> alone, the place
/// a vectorised body with a scalar tail will go.
/// </summary>
internal sealed class LoopCodegen
{
    private readonly LoopKernel kernel;
    private readonly ParameterExpression buffers = Expression.Parameter(typeof(Array[]), "buffers");
    private readonly List<ParameterExpression> variables = [];
    private readonly List<Expression> prologue = [];
    private readonly Dictionary<int, ParameterExpression> arrays = [];
    private readonly Dictionary<IndexMap, ParameterExpression?[]> offsets = [];
    private readonly List<IndexMap> maps = [];
    private readonly ParameterExpression? accumulator;
    private readonly DType accumulatorType;
    private readonly int depth;

    private LoopCodegen(LoopKernel kernel)
    {
        this.kernel = kernel;
        depth = kernel.Domain.Length;
        if (kernel.IsRegisterReduction)
        {
            // f32 sums and products accumulate in f64, as the reference does: long f32 reductions would otherwise
            // drift by ~n ulp. (A vectorised version will use several f32 lanes, i.e. pairwise-like summation.)
            accumulatorType = kernel.DType == DType.Float32 && kernel.ReduceOp is OpCode.ReduceSum or OpCode.ReduceProd
                ? DType.Float64
                : kernel.DType;
            accumulator = Expression.Variable(ScalarCodegen.ClrType(accumulatorType), "acc");
            variables.Add(accumulator);
        }
    }

    public static Expression<Action<Array[]>> Build(LoopKernel kernel, IReadOnlyList<BufferInfo> bufferInfo)
    {
        var g = new LoopCodegen(kernel);
        return g.BuildLambda(bufferInfo);
    }

    private Expression<Action<Array[]>> BuildLambda(IReadOnlyList<BufferInfo> bufferInfo)
    {
        // Typed views of the buffers this kernel touches.
        var used = new SortedSet<int>(kernel.Reads()) { kernel.Output };
        foreach (int b in used)
        {
            var type = ScalarCodegen.ClrType(bufferInfo[b].DType).MakeArrayType();
            var v = Expression.Variable(type, "b" + b);
            variables.Add(v);
            arrays[b] = v;
            prologue.Add(Expression.Assign(v, Expression.Convert(Expression.ArrayIndex(buffers, Expression.Constant(b)), type)));
        }

        // Distinct address maps, each with its level-0 offset.
        Register(kernel.OutMap);
        ScalarExprRewriter.VisitLoads(kernel.Body, l => Register(l.Map));
        foreach (var d in kernel.OutDynamic) ScalarExprRewriter.VisitLoads(d.Index, l => Register(l.Map));

        var body = kernel.IsRegisterReduction && kernel.KeptAxes == 0 ? ReduceBlock() : Level(0);
        var block = Expression.Block(variables, [.. prologue, body]);
        return Expression.Lambda<Action<Array[]>>(block, "kernel", [buffers]);
    }

    private void Register(IndexMap map)
    {
        if (offsets.ContainsKey(map)) return;
        // vars[L] holds the offset at the start of level L (after the indices of levels < L are fixed).
        var vars = new ParameterExpression?[depth + 1];
        var first = Expression.Variable(typeof(int), $"o{maps.Count}");
        variables.Add(first);
        prologue.Add(Expression.Assign(first, Expression.Constant(map.Offset)));
        vars[0] = first;
        for (int level = 0; level < depth; level++)
        {
            if (map.Strides[level] == 0) continue;
            var v = Expression.Variable(typeof(int), $"o{maps.Count}_{level}");
            variables.Add(v);
            vars[level + 1] = v;
        }
        offsets[map] = vars;
        maps.Add(map);
    }

    /// <summary>The offset variable of <paramref name="map"/> valid at loop level <paramref name="level"/>.</summary>
    private ParameterExpression Offset(IndexMap map, int level)
    {
        var vars = offsets[map];
        for (int l = level; l >= 0; l--)
        {
            if (vars[l] is { } v) return v;
        }
        throw new InvalidOperationException("unreachable: level 0 always has an offset variable");
    }

    /// <summary>The loop over domain axis <paramref name="level"/> and everything inside it.</summary>
    private Expression Level(int level)
    {
        if (level == depth) return Innermost();
        bool reduceNext = kernel.IsRegisterReduction && level + 1 == kernel.KeptAxes;
        var inner = reduceNext ? ReduceBlock() : Level(level + 1);
        return level == depth - 1 ? InnermostLoop(level, inner) : Loop(level, inner);
    }

    /// <summary>Initialise the accumulator, run the reduced loops, store one value.</summary>
    private Expression ReduceBlock()
    {
        var init = ScalarCodegen.Constant(kernel.ReduceIdentity(), accumulatorType);
        int kept = kernel.KeptAxes;
        var reduced = kept == depth ? Innermost() : Level(kept);
        return Expression.Block(
            Expression.Assign(accumulator!, init),
            reduced,
            Store(Expression.ArrayAccess(arrays[kernel.Output], Address(kernel.OutMap, [], kept)),
                ScalarCodegen.Cast(accumulator!, kernel.DType)));
    }

    private Expression InnermostLoop(int level, Expression body) => Loop(level, body);

    private Expression Loop(int level, Expression body)
    {
        var i = Expression.Variable(typeof(int), $"i{level}");
        var exit = Expression.Label($"end{level}");
        var init = new List<Expression> { Expression.Assign(i, Expression.Constant(0)) };
        var step = new List<Expression> { body };
        foreach (var map in maps)
        {
            if (map.Strides[level] == 0) continue;
            var v = offsets[map][level + 1]!;
            init.Add(Expression.Assign(v, Offset(map, level)));
            step.Add(Expression.AddAssign(v, Expression.Constant(map.Strides[level])));
        }
        step.Add(Expression.PreIncrementAssign(i));
        var loop = Expression.Loop(
            Expression.IfThenElse(
                Expression.LessThan(i, Expression.Constant(kernel.Domain[level])),
                Expression.Block(step),
                Expression.Break(exit)),
            exit);
        init.Add(loop);
        return Expression.Block([i], init);
    }

    /// <summary>The statement run at each point of the domain.</summary>
    private Expression Innermost()
    {
        var value = ScalarCodegen.Emit(kernel.Body, Load);
        if (accumulator is not null)
            return Expression.Assign(accumulator, Combine(accumulator, ScalarCodegen.Cast(value, accumulatorType)));
        var address = Address(kernel.OutMap, kernel.OutDynamic, depth);
        if (kernel.Mode == WriteMode.Accumulate)
        {
            // Evaluate a data-dependent address once, then read-modify-write.
            var at = Expression.Variable(typeof(int), "at");
            var slot = Expression.ArrayAccess(arrays[kernel.Output], at);
            return Expression.Block([at], Expression.Assign(at, address),
                Expression.Assign(slot, kernel.ReduceOp is null ? ScalarCodegen.Binary(OpCode.Add, slot, value) : Combine(slot, value)));
        }
        return Store(Expression.ArrayAccess(arrays[kernel.Output], address), value);
    }

    private static Expression Store(IndexExpression target, Expression value) => Expression.Assign(target, value);

    private Expression Combine(Expression acc, Expression value) => kernel.ReduceOp switch
    {
        OpCode.ReduceSum => ScalarCodegen.Binary(OpCode.Add, acc, value),
        OpCode.ReduceProd => ScalarCodegen.Binary(OpCode.Mul, acc, value),
        OpCode.ReduceMax => ScalarCodegen.Binary(OpCode.Max, acc, value),
        OpCode.ReduceMin => ScalarCodegen.Binary(OpCode.Min, acc, value),
        _ => throw new NotSupportedException($"cpu: reduction {kernel.ReduceOp}"),
    };

    private Expression Load(LoadExpr load) =>
        Expression.ArrayIndex(arrays[load.Buffer], Address(load.Map, load.Dynamic, depth));

    /// <summary>Running offset plus any data-dependent terms, each index checked against its axis.</summary>
    private Expression Address(IndexMap map, DynamicIndex[] dynamic, int level)
    {
        Expression address = Offset(map, level);
        foreach (var d in dynamic)
        {
            var index = ScalarCodegen.Emit(d.Index, Load);
            var check = Expression.Call(typeof(ScalarMath).GetMethod(nameof(ScalarMath.CheckIndex))!, index, Expression.Constant(d.Extent));
            address = Expression.Add(address, d.Stride == 1 ? check : Expression.Multiply(check, Expression.Constant(d.Stride)));
        }
        return address;
    }
}
