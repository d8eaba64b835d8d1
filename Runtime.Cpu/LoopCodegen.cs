using System.Linq.Expressions;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Turns one <see cref="LoopKernel"/> into <c>Action&lt;Array[]&gt;</c> as an expression tree: typed array locals
/// (one cast per call), a loop nest over the domain, and per distinct address map one running offset per loop level
/// (strength-reduced: each iteration adds the stride, no multiplications). A register reduction keeps its
/// accumulator (f64 for f32 sums and products) in a local across the reduced, innermost loops; an accumulating
/// kernel read-modify-writes its output. When every operand of the innermost loop is contiguous or broadcast along
/// it and the body is made of vectorisable float operations, the innermost loop runs <see cref="VectorCodegen"/>'s
/// vector body (Vector512 or Vector256) followed by a scalar tail. The outermost loop runs over [lo, hi), so the
/// executable can split it across threads.
/// </summary>
internal sealed class LoopCodegen
{
    private readonly LoopKernel kernel;
    private readonly ParameterExpression buffers = Expression.Parameter(typeof(Array[]), "buffers");
    private readonly ParameterExpression lo = Expression.Parameter(typeof(int), "lo");
    private readonly ParameterExpression hi = Expression.Parameter(typeof(int), "hi");
    private readonly VectorCodegen? vector;
    private readonly List<ParameterExpression> variables = [];
    private readonly List<Expression> prologue = [];
    internal readonly Dictionary<int, ParameterExpression> arrays = [];
    private readonly Dictionary<IndexMap, ParameterExpression?[]> offsets = [];
    private readonly List<IndexMap> maps = [];
    private readonly ParameterExpression? accumulator;
    private readonly DType accumulatorType;
    internal readonly int depth;
    private bool vectorEmitted;   // false when the innermost extent is shorter than minVectors vectors
    private int minVectors = 1;

    private LoopCodegen(LoopKernel kernel, IReadOnlyList<BufferInfo> bufferInfo, VectorIsa isa)
    {
        this.kernel = kernel;
        depth = kernel.Domain.Length;
        if (isa != VectorIsa.None && VectorCodegen.CanVectorize(kernel, bufferInfo))
        {
            vector = new VectorCodegen(kernel, isa, this);
            variables.AddRange(vector.Variables);
        }
        if (kernel.IsRegisterReduction)
        {
            // f32 sums and products accumulate in f64, as the reference does: long f32 reductions would otherwise
            // drift by ~n ulp. The vectorised loop accumulates f32 sums in f64 lanes for the same reason.
            accumulatorType = kernel.DType == DType.Float32 && kernel.ReduceOp is OpCode.ReduceSum or OpCode.ReduceProd
                ? DType.Float64
                : kernel.DType;
            accumulator = Expression.Variable(ScalarCodegen.ClrType(accumulatorType), "acc");
            variables.Add(accumulator);
        }
    }

    /// <summary>The kernel as <c>(buffers, lo, hi)</c>: the outermost loop runs over [lo, hi).</summary>
    public static Expression<Action<Array[], int, int>> Build(LoopKernel kernel, IReadOnlyList<BufferInfo> bufferInfo,
        VectorIsa isa = VectorIsa.None) => Build(kernel, bufferInfo, isa, out _);

    /// <summary>
    /// Builds the kernel as a lambda <c>(buffers, lo, hi)</c> over the outermost loop's range [lo, hi), vectorising the
    /// innermost loop with <paramref name="isa"/> where the kernel allows it.
    /// </summary>
    /// <param name="kernel">The loop kernel to generate code for.</param>
    /// <param name="bufferInfo">The program's buffers (dtypes and lengths), indexed by buffer id.</param>
    /// <param name="isa">The widest vector instructions to use; <see cref="VectorIsa.None"/> generates scalar loops only.</param>
    /// <param name="vectorized">Set to whether a vector loop was actually emitted.</param>
    /// <param name="minVectors">Vectorise an innermost loop only when it runs at least this many whole vectors.</param>
    public static Expression<Action<Array[], int, int>> Build(LoopKernel kernel, IReadOnlyList<BufferInfo> bufferInfo,
        VectorIsa isa, out bool vectorized, int minVectors = 1)
    {
        var g = new LoopCodegen(kernel, bufferInfo, isa) { minVectors = minVectors };
        var lambda = g.BuildLambda(bufferInfo);
        vectorized = g.vectorEmitted;
        return lambda;
    }

    private Expression<Action<Array[], int, int>> BuildLambda(IReadOnlyList<BufferInfo> bufferInfo)
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
        return Expression.Lambda<Action<Array[], int, int>>(block, "kernel", [buffers, lo, hi]);
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
    internal ParameterExpression Offset(IndexMap map, int level)
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

    private Expression InnermostLoop(int level, Expression body) => Loop(level, body, vector);

    private Expression Loop(int level, Expression body, VectorCodegen? vectorBody = null)
    {
        var i = Expression.Variable(typeof(int), $"i{level}");
        var end = Expression.Variable(typeof(int), $"n{level}");
        var init = new List<Expression>
        {
            Expression.Assign(i, level == 0 ? lo : Expression.Constant(0)),
            Expression.Assign(end, level == 0 ? hi : Expression.Constant(kernel.Domain[level])),
        };
        foreach (var map in maps)
        {
            if (map.Strides[level] == 0) continue;
            var v = offsets[map][level + 1]!;
            Expression start = Offset(map, level);
            if (level == 0) start = Expression.Add(start, Expression.Multiply(lo, Expression.Constant(map.Strides[0])));
            init.Add(Expression.Assign(v, start));
        }
        if (vectorBody is not null && WorthVectorising(kernel.Domain[level], vectorBody.Lanes))
        {
            // Whole vectors first (every stride here is 0 or 1), then the scalar tail continues from the same i. The
            // extent is static, so a tail that can never run is not emitted (less code for the JIT): an inner loop
            // always runs the whole axis, and the outermost one runs chunks whose lengths are multiples of
            // KernelStep.Alignment (a multiple of every vector width) except the last, which ends at the extent.
            int w = vectorBody.Lanes;
            var last = Expression.Variable(typeof(int), $"last{level}");
            init.Add(Expression.Assign(last, Expression.Subtract(end, Expression.Constant(w - 1))));
            init.AddRange(vectorBody.Begin());
            init.Add(CountedLoop(level, i, last, vectorBody.Body(), w));
            init.AddRange(vectorBody.End(accumulator));
            if (kernel.Domain[level] % w != 0) init.Add(CountedLoop(level, i, end, body, 1));
            vectorEmitted = true;
            return Expression.Block([i, end, last], init);
        }
        init.Add(CountedLoop(level, i, end, body, 1));
        return Expression.Block([i, end], init);
    }

    /// <summary>
    /// At least one whole vector per innermost loop, and either <see cref="minVectors"/> of them or a kernel of at
    /// least <see cref="BigKernelPoints"/> points: a vector body roughly doubles the code the JIT compiles, which pays
    /// off only when a call runs many vectors (a [1000, 16] broadcast kernel does, over its short rows; a lone 16-element
    /// loop does not).
    /// </summary>
    private bool WorthVectorising(int extent, int lanes)
    {
        if (extent < lanes) return false;
        if (extent >= lanes * minVectors) return true;
        long points = 1;
        foreach (int d in kernel.Domain) points *= d;
        return points >= BigKernelPoints;
    }

    private const int BigKernelPoints = 1024;

    /// <summary>while (i &lt; end) { body; offsets += stride * step; i += step; }</summary>
    private Expression CountedLoop(int level, ParameterExpression i, ParameterExpression end, Expression body, int step)
    {
        var exit = Expression.Label();
        var steps = new List<Expression> { body };
        foreach (var map in maps)
        {
            if (map.Strides[level] == 0) continue;
            steps.Add(Expression.AddAssign(offsets[map][level + 1]!, Expression.Constant(map.Strides[level] * step)));
        }
        steps.Add(step == 1 ? Expression.PreIncrementAssign(i) : Expression.AddAssign(i, Expression.Constant(step)));
        return Expression.Loop(
            Expression.IfThenElse(Expression.LessThan(i, end), Expression.Block(steps), Expression.Break(exit)),
            exit);
    }

    /// <summary>The statement run at each point of the domain.</summary>
    private Expression Innermost()
    {
        // Shared sub-expressions are computed once per point, into locals, before the value that uses them.
        var hoisted = ScalarCodegen.SharedNodes(kernel.Body);
        if (hoisted.Count == 0) return Point(ScalarCodegen.Emit(kernel.Body, Load));
        var locals = new Dictionary<ScalarExpr, ParameterExpression>(ScalarExprIdentity.Instance);
        var block = new List<Expression>();
        foreach (var node in hoisted)
        {
            var v = Expression.Variable(ScalarCodegen.ClrType(node.DType), "t" + locals.Count);
            block.Add(Expression.Assign(v, ScalarCodegen.Emit(node, Load, locals)));
            locals[node] = v;
        }
        block.Add(Point(ScalarCodegen.Emit(kernel.Body, Load, locals)));
        return Expression.Block(locals.Values, block);
    }

    /// <summary>Combines or stores one point's value.</summary>
    private Expression Point(Expression value)
    {
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

    internal Expression Combine(Expression acc, Expression value) => kernel.ReduceOp switch
    {
        OpCode.ReduceSum => ScalarCodegen.Binary(OpCode.Add, acc, value),
        OpCode.ReduceProd => ScalarCodegen.Binary(OpCode.Mul, acc, value),
        OpCode.ReduceMax => ScalarCodegen.Binary(OpCode.Max, acc, value),
        OpCode.ReduceMin => ScalarCodegen.Binary(OpCode.Min, acc, value),
        _ => throw new NotSupportedException($"cpu: reduction {kernel.ReduceOp}"),
    };

    internal Expression Load(LoadExpr load) =>
        Expression.ArrayIndex(arrays[load.Buffer], Address(load.Map, load.Dynamic, depth));

    /// <summary>Running offset plus any data-dependent terms, each index checked against its axis.</summary>
    private Expression Address(IndexMap map, DynamicIndex[] dynamic, int level)
    {
        Expression address = Offset(map, level);
        foreach (var d in dynamic)
        {
            var index = ScalarCodegen.Emit(d.Index, Load);
            var check = Expression.Call(typeof(ScalarMath).GetMethod(nameof(ScalarMath.CheckIndex))!, index, Expression.Constant(d.Extent),
                Expression.Constant(d.What ?? "gather/scatter"));
            address = Expression.Add(address, d.Stride == 1 ? check : Expression.Multiply(check, Expression.Constant(d.Stride)));
        }
        return address;
    }
}
