using System.Linq.Expressions;
using ILGPU;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Runtime.Cpu;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// What a device allows a launch: threads per block-reduction group, its warp size, and the most threads one
/// implicitly grouped launch gets (beyond it, threads loop over the points).
/// </summary>
/// <param name="ReductionGroup">Threads per group of block reductions (a power of two).</param>
/// <param name="WarpSize">Lanes per warp (32 on NVIDIA GPUs; the emulator's own).</param>
/// <param name="MaxThreads">The grid of an elementwise launch is capped here (the GPU's resident threads).</param>
internal readonly record struct LaunchLimits(int ReductionGroup, int WarpSize, int MaxThreads);

/// <summary>A loop kernel as a GPU kernel body: the expression tree, its parameters' buffers and its launch size.</summary>
/// <param name="Lambda">The kernel body, parameters first the error slot (when used) and then the buffers' views.</param>
/// <param name="Buffers">The buffers bound to the view parameters, in order.</param>
/// <param name="UsesErrors">Whether it takes the index-check slot.</param>
/// <param name="Shape">The launch shape, for the printed program.</param>
/// <param name="Threads">Threads to launch (implicitly grouped), or groups when <paramref name="GroupSize"/> is non-zero.</param>
/// <param name="GroupSize">Threads per group of an explicitly grouped kernel (block reductions); 0 otherwise.</param>
internal sealed record GeneratedKernel(LambdaExpression? Lambda, int[] Buffers, bool UsesErrors, int Threads, string Shape, int GroupSize = 0);

/// <summary>
/// Turns one <see cref="LoopKernel"/> into the body of an implicitly grouped ILGPU kernel: one GPU thread per
/// independent output point, up to the device's resident threads (<see cref="LaunchLimits.MaxThreads"/>); past that a
/// bounded grid whose threads stride over the points (a grid-stride loop). The domain's axes are split into parallel
/// ones (decomposed from the point index) and serial ones (looped inside the thread):
/// <list type="bullet">
/// <item>a map kernel: every axis parallel, one element per thread;</item>
/// <item>a register reduction: the kept axes parallel, the reduced ones summed in a register (f64 for f32 sums, as
/// the CPU does), one store per thread;</item>
/// <item>an accumulating kernel whose output address depends on the point only through its own axes (column sums):
/// those axes parallel, the rest looped, so no two threads touch one element and no atomics are needed;</item>
/// <item>a register reduction over at least a group's worth of elements: one group per kept point instead, its
/// threads striding over the reduced points (consecutive threads on consecutive elements, so loads coalesce) and
/// combining their partial results by warp shuffles, then across warps through shared memory;</item>
/// <item>a scatter-add (data-dependent output address, f32/f64/i32): one thread per point, adding atomically, as the
/// lowering's write-conflict flag asks for;</item>
/// <item>any other scatter (max/min, bool): one thread runs the whole domain in order, exact and race-free but
/// serial.</item>
/// </list>
/// Scalar operations come from the CPU runtime's <see cref="ScalarCodegen"/>, so both backends compute the same
/// expressions; only loads, stores and index checks differ.
/// </summary>
internal sealed class KernelEmitter
{
    private readonly LoopKernel kernel;
    private readonly IReadOnlyList<BufferInfo> info;
    private readonly List<(string What, int Extent)> checks;
    private readonly ParameterExpression index = Expression.Parameter(typeof(Index1D), "index");
    private readonly ParameterExpression errors = Expression.Parameter(typeof(ArrayView<int>), "errors");
    private readonly Dictionary<int, ParameterExpression> views = [];
    private readonly ParameterExpression[] axis;
    private bool usesErrors;

    private readonly int groupSize;
    private readonly LaunchLimits limits;

    private KernelEmitter(LoopKernel kernel, IReadOnlyList<BufferInfo> info, List<(string What, int Extent)> checks, LaunchLimits limits)
    {
        this.limits = limits;
        groupSize = limits.ReductionGroup;
        this.kernel = kernel;
        this.info = info;
        this.checks = checks;
        axis = new ParameterExpression[kernel.Domain.Length];
        for (int d = 0; d < axis.Length; d++) axis[d] = Expression.Variable(typeof(int), "i" + d);
    }

    /// <summary>The CLR element type of a buffer of <paramref name="dtype"/> on the device (bool is a byte).</summary>
    public static Type ElementType(DType dtype) => dtype == DType.Bool ? typeof(byte) : ScalarCodegen.ClrType(dtype);

    public static Type ViewType(DType dtype) => typeof(ArrayView<>).MakeGenericType(ElementType(dtype));

    /// <param name="kernel">The kernel to emit.</param>
    /// <param name="info">The program's buffers.</param>
    /// <param name="checks">The program's index checks so far; this kernel's are appended (an error code is position + 1).</param>
    /// <param name="limits">The device's launch limits: block-reduction group size, warp size, most threads per launch.</param>
    public static GeneratedKernel Emit(LoopKernel kernel, IReadOnlyList<BufferInfo> info, List<(string What, int Extent)> checks, LaunchLimits limits)
    {
        var code = new KernelEmitter(kernel, info, checks, limits).Build();
        return code with { Lambda = DeviceFunctions.Substitute(code.Lambda!) };
    }

    private GeneratedKernel Build()
    {
        var used = new SortedSet<int>(kernel.Reads()) { kernel.Output };
        foreach (int b in used) views[b] = Expression.Parameter(ViewType(info[b].DType), "b" + b);

        var (parallel, serial, style) = Partition();
        if (style == Style.Register && kernel.IsRegisterReduction && kernel.DType != DType.Bool && Count(serial) >= groupSize) return BuildBlock(parallel, serial);
        long points = 1;
        foreach (int d in parallel) points *= kernel.Domain[d];
        // A bounded grid: past the device's resident threads, each thread strides over the points (grid-stride loop),
        // so a launch never needs a thread per element and huge tensors do not need huge grids.
        int threads = (int)Math.Min(points, limits.MaxThreads);
        var flat = Expression.Variable(typeof(int), "point");
        var point = new List<Expression>();
        // Point index -> parallel axis indices, innermost fastest (row-major over the parallel axes).
        Decompose(point, parallel, flat);
        for (int d = 0; d < axis.Length; d++)
        {
            if (!parallel.Contains(d)) point.Add(Expression.Assign(axis[d], Expression.Constant(0)));
        }
        point.Add(style switch
        {
            Style.Pointwise => Point(),
            Style.Atomic => AtomicPoint(),
            Style.Register => RegisterLoop(serial),
            _ => Loops(serial, 0, Point()),
        });
        var body = new List<Expression> { Expression.Assign(flat, Expression.Convert(index, typeof(int))) };
        if (threads == points) body.AddRange(point);
        else
        {
            // for (point = index; ; point += threads) { body; if (point >= points - threads) break; } (no overflow near int.MaxValue)
            var exit = Expression.Label();
            body.Add(Expression.Loop(
                Expression.Block(
                    Expression.Block(point),
                    Expression.IfThen(Expression.GreaterThanOrEqual(flat, Expression.Constant(checked((int)points) - threads)), Expression.Break(exit)),
                    Expression.AddAssign(flat, Expression.Constant(threads))),
                exit));
        }

        var parameters = new List<ParameterExpression> { index };
        if (usesErrors) parameters.Add(errors);
        foreach (int b in used) parameters.Add(views[b]);
        var lambda = Expression.Lambda(Expression.Block(typeof(void), [.. axis, flat], body), "kernel", parameters);
        string shape = $"{threads} threads" + (threads < points ? $" striding over {points} points" : "") +
            (serial.Count > 0 ? $", {Loops(serial)} per {(threads < points ? "point" : "thread")}" : "") + (style == Style.Atomic ? ", atomic adds" : "");
        return new GeneratedKernel(lambda, [.. used], usesErrors, threads, shape);
    }

    private long Count(List<int> axes)
    {
        long n = 1;
        foreach (int d in axes) n *= kernel.Domain[d];
        return n;
    }

    /// <summary>Indices of <paramref name="axes"/> from a flat index (row-major, innermost fastest): i_d = rest % extent; rest /= extent.</summary>
    private void Decompose(List<Expression> body, List<int> axes, Expression flat)
    {
        Expression rest = flat;
        for (int k = axes.Count - 1; k >= 0; k--)
        {
            int d = axes[k];
            if (k == 0)
            {
                body.Add(Expression.Assign(axis[d], rest));
                break;
            }
            body.Add(Expression.Assign(axis[d], Expression.Modulo(rest, Expression.Constant(kernel.Domain[d]))));
            rest = Expression.Divide(rest, Expression.Constant(kernel.Domain[d]));
        }
    }

    /// <summary>
    /// One group per kept point: strided partial reductions in registers, combined by warp shuffles within each warp and
    /// through shared memory across warps (a shared-memory tree where the warp size does not divide the group); thread
    /// 0 stores.
    /// </summary>
    private GeneratedKernel BuildBlock(List<int> kept, List<int> reduced)
    {
        var op = kernel.ReduceOp!.Value;
        var accType = kernel.DType == DType.Float32 && op is OpCode.ReduceSum or OpCode.ReduceProd ? DType.Float64 : kernel.DType;
        var accClr = ScalarCodegen.ClrType(accType);
        var sharedType = typeof(ArrayView<>).MakeGenericType(accClr);
        var acc = Expression.Variable(accClr, "acc");
        var tid = Expression.Variable(typeof(int), "tid");
        var r = Expression.Variable(typeof(int), "r");
        var stride = Expression.Variable(typeof(int), "half");
        var shared = Expression.Variable(sharedType, "partial");
        var body = new List<Expression>();
        Decompose(body, kept, Expression.Property(null, typeof(Grid).GetProperty(nameof(Grid.IdxX))!));
        body.Add(Expression.Assign(tid, Expression.Property(null, typeof(Group).GetProperty(nameof(Group.IdxX))!)));
        body.Add(Expression.Assign(acc, ScalarCodegen.Constant(LoopKernel.Identity(op, kernel.DType), accType)));
        // for (r = tid; r < count; r += groupSize) acc = combine(acc, value at reduced point r)
        var point = new List<Expression>();
        Decompose(point, reduced, r);
        point.Add(Expression.Assign(acc, Combine(op, acc, ScalarCodegen.Cast(Value(), accType))));
        body.Add(Expression.Assign(r, tid));
        body.Add(While(Expression.LessThan(r, Expression.Constant(checked((int)Count(reduced)))),
            Expression.Block(point), Expression.AddAssign(r, Expression.Constant(groupSize))));
        var allocate = typeof(SharedMemory).GetMethod(nameof(SharedMemory.Allocate), 1, [typeof(int)])!.MakeGenericMethod(accClr);
        var barrier = Expression.Call(typeof(Group).GetMethod(nameof(Group.Barrier), Type.EmptyTypes)!);
        var at = Expression.Variable(typeof(int), "at");
        var storeResult = Expression.Block([at],
            Expression.Assign(at, Address(kernel.OutMap, [])),
            StoreAt(views[kernel.Output], kernel.DType, at, ScalarCodegen.Cast(acc, kernel.DType)));
        int warp = limits.WarpSize, warps = groupSize / Math.Max(warp, 1);
        bool shuffles = warp > 1 && groupSize % warp == 0 && warps <= warp;
        string combining;
        if (shuffles)
        {
            // Each warp combines its lanes' partials by shuffles (registers, no barrier), lane 0 of each writes one
            // partial to shared memory, one barrier, then the first warp combines those by shuffles and thread 0 stores.
            var shuffleDown = typeof(Warp).GetMethod(nameof(Warp.ShuffleDown), 1, [Type.MakeGenericMethodParameter(0), typeof(int)])!.MakeGenericMethod(accClr);
            Expression WarpReduce()
            {
                var steps = new List<Expression>();
                for (int offset = warp / 2; offset > 0; offset /= 2)
                    steps.Add(Expression.Assign(acc, Combine(op, acc, Expression.Call(shuffleDown, acc, Expression.Constant(offset)))));
                return Expression.Block(steps);
            }
            body.Add(WarpReduce());
            body.Add(Expression.Assign(shared, Expression.Call(allocate, Expression.Constant(warps))));
            body.Add(Expression.IfThen(Expression.Equal(Expression.Modulo(tid, Expression.Constant(warp)), Expression.Constant(0)),
                StoreAt(shared, accType, Expression.Divide(tid, Expression.Constant(warp)), acc)));
            body.Add(barrier);
            body.Add(Expression.IfThen(Expression.LessThan(tid, Expression.Constant(warp)),
                Expression.Block(
                    Expression.Assign(acc, Expression.Condition(Expression.LessThan(tid, Expression.Constant(warps)),
                        LoadAt(shared, accType, tid), ScalarCodegen.Constant(LoopKernel.Identity(op, kernel.DType), accType))),
                    WarpReduce(),
                    Expression.IfThen(Expression.Equal(tid, Expression.Constant(0)), storeResult))));
            combining = $"warp shuffles ({warp} lanes) and {warps} partials in shared memory";
        }
        else
        {
            // Any warp size: a tree in shared memory,
            // for (half = groupSize / 2; half > 0; half /= 2) { if (tid < half) p[tid] = combine(p[tid], p[tid + half]); barrier }
            body.Add(Expression.Assign(shared, Expression.Call(allocate, Expression.Constant(groupSize))));
            body.Add(StoreAt(shared, accType, tid, acc));
            body.Add(barrier);
            body.Add(Expression.Assign(stride, Expression.Constant(groupSize / 2)));
            body.Add(While(Expression.GreaterThan(stride, Expression.Constant(0)),
                Expression.Block(
                    Expression.IfThen(Expression.LessThan(tid, stride),
                        StoreAt(shared, accType, tid, Combine(op, LoadAt(shared, accType, tid), LoadAt(shared, accType, Expression.Add(tid, stride))))),
                    barrier),
                Expression.DivideAssign(stride, Expression.Constant(2))));
            body.Add(Expression.IfThen(Expression.Equal(tid, Expression.Constant(0)),
                Expression.Block(Expression.Assign(acc, LoadAt(shared, accType, Expression.Constant(0))), storeResult)));
            combining = "tree in shared memory";
        }

        // Parameters as Build orders them: the error slot, then the buffers in ascending order (views was filled so).
        var parameters = new List<ParameterExpression>();
        if (usesErrors) parameters.Add(errors);
        parameters.AddRange(views.Values);
        var locals = new List<ParameterExpression>(axis) { acc, tid, r, stride, shared };
        var lambda = Expression.Lambda(Expression.Block(typeof(void), locals, body), "kernel", parameters);
        long groups = Count(kept);
        int[] buffers = [.. views.Keys];
        return new GeneratedKernel(lambda, buffers, usesErrors, checked((int)groups), $"{groups} groups of {groupSize} threads, {Count(reduced)} elements per group, {combining}", groupSize);
    }

    private static Expression While(Expression condition, Expression body, Expression step)
    {
        var exit = Expression.Label();
        return Expression.Loop(Expression.IfThenElse(condition, Expression.Block(body, step), Expression.Break(exit)), exit);
    }

    private string Loops(List<int> serial)
    {
        long n = 1;
        foreach (int d in serial) n *= kernel.Domain[d];
        return $"{n} iterations";
    }

    private enum Style
    {
        Pointwise,
        Atomic,
        Register,
        Serial,
    }

    private (List<int> Parallel, List<int> Serial, Style Style) Partition()
    {
        int rank = kernel.Domain.Length;
        var all = new List<int>();
        for (int d = 0; d < rank; d++) all.Add(d);
        if (kernel.Mode == WriteMode.Store && kernel.ReduceOp is null) return (all, [], Style.Pointwise);
        if (kernel.IsRegisterReduction) return (all[..kernel.KeptAxes], all[kernel.KeptAxes..], Style.Register);
        if (kernel.OutDynamic.Length > 0 && kernel.ReduceOp is null or OpCode.ReduceSum && kernel.DType is DType.Float32 or DType.Float64 or DType.Int32)
            return (all, [], Style.Atomic);
        if (kernel.OutDynamic.Length == 0 && DistinctAddresses(out var own))
        {
            var serial = new List<int>();
            foreach (int d in all)
            {
                if (!own.Contains(d)) serial.Add(d);
            }
            return (own, serial, Style.Register);
        }
        return ([], all, Style.Serial);
    }

    /// <summary>
    /// The axes the out map moves along, when distinct points of them are distinct elements (each stride at least
    /// the span of the smaller ones): then a thread per such point owns its element.
    /// </summary>
    private bool DistinctAddresses(out List<int> own)
    {
        own = [];
        var axes = new List<(long Stride, long Extent)>();
        for (int d = 0; d < kernel.Domain.Length; d++)
        {
            if (kernel.OutMap.Strides[d] == 0 || kernel.Domain[d] == 1) continue;
            own.Add(d);
            axes.Add((Math.Abs((long)kernel.OutMap.Strides[d]), kernel.Domain[d]));
        }
        axes.Sort((a, b) => a.Stride.CompareTo(b.Stride));
        long span = 1;
        foreach (var (stride, extent) in axes)
        {
            if (stride < span) return false;
            span = stride * extent;
        }
        return true;
    }

    /// <summary>for each serial axis (outermost first): for (i = 0; i &lt; extent; i++) inner.</summary>
    private Expression Loops(List<int> serial, int k, Expression inner)
    {
        if (k == serial.Count) return inner;
        int d = serial[k];
        var exit = Expression.Label();
        var i = axis[d];
        return Expression.Block(
            Expression.Assign(i, Expression.Constant(0)),
            Expression.Loop(
                Expression.IfThenElse(
                    Expression.LessThan(i, Expression.Constant(kernel.Domain[d])),
                    Expression.Block(Loops(serial, k + 1, inner), Expression.PreIncrementAssign(i)),
                    Expression.Break(exit)),
                exit));
    }

    /// <summary>A register accumulator over the serial axes, stored once (reductions and owned accumulations).</summary>
    private Expression RegisterLoop(List<int> serial)
    {
        var op = kernel.ReduceOp ?? OpCode.ReduceSum;
        var accType = kernel.IsRegisterReduction && kernel.DType == DType.Float32 && op is OpCode.ReduceSum or OpCode.ReduceProd
            ? DType.Float64
            : kernel.DType;
        var acc = Expression.Variable(ScalarCodegen.ClrType(accType), "acc");
        var at = Expression.Variable(typeof(int), "at");
        var outView = views[kernel.Output];
        Expression init = kernel.IsRegisterReduction
            ? ScalarCodegen.Constant(LoopKernel.Identity(op, kernel.DType), accType)
            : ScalarCodegen.Cast(LoadAt(outView, kernel.DType, at), accType);
        var step = Expression.Assign(acc, Combine(op, acc, ScalarCodegen.Cast(Value(), accType)));
        return Expression.Block([acc, at],
            Expression.Assign(at, Address(kernel.OutMap, [])),
            Expression.Assign(acc, init),
            Loops(serial, 0, step),
            StoreAt(outView, kernel.DType, at, ScalarCodegen.Cast(acc, kernel.DType)));
    }

    /// <summary>One point: store the value, or combine it into the element it addresses.</summary>
    private Expression Point()
    {
        var outView = views[kernel.Output];
        if (kernel.Mode == WriteMode.Store) return StoreAt(outView, kernel.DType, Address(kernel.OutMap, kernel.OutDynamic), Value());
        var at = Expression.Variable(typeof(int), "at");
        var old = LoadAt(outView, kernel.DType, at);
        var combined = kernel.ReduceOp is { } op ? Combine(op, old, Value()) : ScalarCodegen.Binary(OpCode.Add, old, Value());
        return Expression.Block([at], Expression.Assign(at, Address(kernel.OutMap, kernel.OutDynamic)), StoreAt(outView, kernel.DType, at, combined));
    }

    /// <summary>out[address] += value, atomically: other threads may add to the same element.</summary>
    private Expression AtomicPoint()
    {
        var outView = views[kernel.Output];
        var add = typeof(DeviceIntrinsics).GetMethod(nameof(DeviceIntrinsics.AtomicAdd), [outView.Type, typeof(int), ScalarCodegen.ClrType(kernel.DType)])!;
        return Expression.Call(add, outView, Address(kernel.OutMap, kernel.OutDynamic), Value());
    }

    private static Expression Combine(OpCode op, Expression acc, Expression value) => op switch
    {
        OpCode.ReduceSum => ScalarCodegen.Binary(OpCode.Add, acc, value),
        OpCode.ReduceProd => ScalarCodegen.Binary(OpCode.Mul, acc, value),
        OpCode.ReduceMax => ScalarCodegen.Binary(OpCode.Max, acc, value),
        OpCode.ReduceMin => ScalarCodegen.Binary(OpCode.Min, acc, value),
        _ => throw new NotSupportedException($"cuda: reduction {op.Name()}"),
    };

    /// <summary>The body's value at the current point; shared sub-expressions computed once into locals.</summary>
    private Expression Value()
    {
        var hoisted = ScalarCodegen.SharedNodes(kernel.Body);
        if (hoisted.Count == 0) return ScalarCodegen.Emit(kernel.Body, Load);
        var locals = new Dictionary<ScalarExpr, ParameterExpression>(ReferenceEqualityComparer.Instance);
        var block = new List<Expression>();
        foreach (var node in hoisted)
        {
            var v = Expression.Variable(ScalarCodegen.ClrType(node.DType), "t" + locals.Count);
            block.Add(Expression.Assign(v, ScalarCodegen.Emit(node, Load, locals)));
            locals[node] = v;
        }
        block.Add(ScalarCodegen.Emit(kernel.Body, Load, locals));
        return Expression.Block(locals.Values, block);
    }

    private Expression Load(LoadExpr load) => LoadAt(views[load.Buffer], load.DType, Address(load.Map, load.Dynamic));

    private static Expression LoadAt(ParameterExpression view, DType dtype, Expression address) =>
        Expression.Call(typeof(DeviceIntrinsics).GetMethod(nameof(DeviceIntrinsics.Load), [view.Type, typeof(int)])!, view, address);

    private static Expression StoreAt(ParameterExpression view, DType dtype, Expression address, Expression value) =>
        Expression.Call(typeof(DeviceIntrinsics).GetMethod(nameof(DeviceIntrinsics.Store), [view.Type, typeof(int), ScalarCodegen.ClrType(dtype)])!,
            view, address, value);

    /// <summary>offset + Σ stride·index over the domain, plus each data-dependent term (checked against its axis).</summary>
    private Expression Address(IndexMap map, DynamicIndex[] dynamic)
    {
        Expression address = Expression.Constant(map.Offset);
        for (int d = 0; d < map.Strides.Length; d++)
        {
            int s = map.Strides[d];
            if (s == 0 || kernel.Domain[d] == 1) continue;
            address = Expression.Add(address, s == 1 ? axis[d] : Expression.Multiply(axis[d], Expression.Constant(s)));
        }
        foreach (var dyn in dynamic)
        {
            usesErrors = true;
            checks.Add((dyn.What ?? "gather/scatter", dyn.Extent));
            var check = Expression.Call(typeof(DeviceIntrinsics).GetMethod(nameof(DeviceIntrinsics.CheckIndex))!,
                ScalarCodegen.Emit(dyn.Index, Load), Expression.Constant(dyn.Extent), errors, Expression.Constant(checks.Count));
            address = Expression.Add(address, dyn.Stride == 1 ? check : Expression.Multiply(check, Expression.Constant(dyn.Stride)));
        }
        return address;
    }
}
