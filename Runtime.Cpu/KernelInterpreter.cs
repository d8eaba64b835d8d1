using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using FastExpressionCompiler;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Runs a small <see cref="LoopKernel"/> without generating code for it. Its body becomes a tree of typed evaluator
/// nodes whose operations are the very scalar functions <see cref="ScalarCodegen"/> emits, each compiled once per
/// process (per op and dtypes), so an interpreted kernel computes what the compiled one does, bit for bit.
/// Why: generating and JIT-compiling a kernel costs 0.3-1 ms whatever its size, which dominates the compile time of
/// programs made of thousands of tiny kernels (long unrolled chains of reductions), while evaluating a few hundred
/// points through a tree costs microseconds. The virtual call per node and point is the price, so only kernels with
/// little work are interpreted (<see cref="CpuBackendOptions.InterpretBelowWork"/>).
/// </summary>
internal static class KernelInterpreter
{
    /// <summary>The kernel as <c>(buffers, lo, hi)</c> like a compiled one, or null when its body uses an operation
    /// the interpreter cannot express (it is then compiled).</summary>
    /// <param name="kernel">The kernel to run.</param>
    /// <param name="builder">
    /// Evaluators built so far for other kernels of the same program: an expression the lowering shares between kernels
    /// (see <see cref="ScalarExprInterner"/>) then has one evaluator for all of them. Null: the kernel's own.
    /// </param>
    public static Action<Array[], int, int>? TryCreate(LoopKernel kernel, Builder? builder = null)
    {
        builder ??= new Builder();
        try
        {
            return kernel.DType switch
            {
                DType.Float32 when kernel.IsRegisterReduction && kernel.ReduceOp is OpCode.ReduceSum or OpCode.ReduceProd =>
                    new Runner<float, double>(kernel, builder).Run,
                DType.Float32 => new Runner<float, float>(kernel, builder).Run,
                DType.Float64 => new Runner<double, double>(kernel, builder).Run,
                DType.Int32 => new Runner<int, int>(kernel, builder).Run,
                DType.Bool => new Runner<bool, bool>(kernel, builder).Run,
                _ => null,
            };
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Builds the evaluators of one kernel, or of every kernel of a program. A sub-expression shared by reference (a
    /// multi-use value the lowering kept fused, or one expression used by several kernels) gets one evaluator, so the
    /// tree keeps the expression's size, not its expanded size. Evaluators are immutable, so sharing them is safe.
    /// </summary>
    internal sealed class Builder
    {
        private readonly Dictionary<ScalarExpr, object> built = new(ScalarExprIdentity.Instance);

    /// <summary>The evaluator of <paramref name="e"/>, whose dtype is <typeparamref name="T"/>'s.</summary>
    internal Ev<T> Build<T>(ScalarExpr e)
    {
        if (built.TryGetValue(e, out var done)) return (Ev<T>)done;
        var ev = Create<T>(e);
        built[e] = ev;
        return ev;
    }

    private Ev<T> Create<T>(ScalarExpr e)
    {
        switch (e)
        {
            case ConstExpr c:
                return new ConstEv<T>((T)((ConstantExpression)ScalarCodegen.Constant(c.Value, c.DType)).Value!);
            case LoadExpr l:
                if (l.Dynamic.Length == 0) return new LoadEv<T>(l.Buffer, Plain(l.Map));
                var dynamic = new DynamicEv[l.Dynamic.Length];
                for (int i = 0; i < dynamic.Length; i++)
                {
                    var d = l.Dynamic[i];
                    dynamic[i] = new DynamicEv(d.Stride, d.Extent, Build<int>(d.Index), d.What ?? "gather/scatter");
                }
                return new LoadEv<T>(l.Buffer, new Address(l.Map.Offset, l.Map.Strides, dynamic));
            case OpExpr op when op.Op.Kind() == OpKind.Select:
                return new SelectEv<T>(Build<bool>(op.Args[0]), Build<T>(op.Args[1]), Build<T>(op.Args[2]));
            case OpExpr op when op.Op.Kind() == OpKind.Cast && op.Op != OpCode.Cast:
                return Build<T>(op.Args[0]);   // an identity the lowering kept (the codegen emits its operand)
            case OpExpr op when op.Args.Length == 1:
                return op.Args[0].DType switch
                {
                    DType.Float32 => Unary<float, T>(op),
                    DType.Float64 => Unary<double, T>(op),
                    DType.Int32 => Unary<int, T>(op),
                    DType.Bool => Unary<bool, T>(op),
                    _ => throw new NotSupportedException(),
                };
            case OpExpr op when op.Args.Length == 2 && op.Args[0].DType == op.Args[1].DType:
                return op.Args[0].DType switch
                {
                    DType.Float32 => Binary<float, T>(op),
                    DType.Float64 => Binary<double, T>(op),
                    DType.Int32 => Binary<int, T>(op),
                    DType.Bool => Binary<bool, T>(op),
                    _ => throw new NotSupportedException(),
                };
            default:
                throw new NotSupportedException();
        }
    }

    private Ev<T> Unary<TA, T>(OpExpr op) =>
        new UnaryEv<TA, T>(Function<Func<TA, T>>(op.Op, op.DType, op.Args[0].DType, 1), Build<TA>(op.Args[0]));

    private Ev<T> Binary<TA, T>(OpExpr op) =>
        new BinaryEv<TA, T>(Function<Func<TA, TA, T>>(op.Op, op.DType, op.Args[0].DType, 2), Build<TA>(op.Args[0]), Build<TA>(op.Args[1]));
    }

    private static readonly ConcurrentDictionary<(OpCode, DType, DType, int), Delegate> functions = new();

    // Addresses without data-dependent terms, one per index map: the lowering shares the commonest maps between
    // kernels, so a program of thousands of small kernels holds a handful of addresses rather than one per load.
    private static readonly ConditionalWeakTable<IndexMap, Address> plainAddresses = new();

    /// <summary>The address of <paramref name="map"/> alone (no gather/scatter terms), shared per map.</summary>
    private static Address Plain(IndexMap map) =>
        plainAddresses.GetValue(map, static m => new Address(m.Offset, m.Strides, []));

    /// <summary>
    /// The scalar function of one operation, compiled from <see cref="ScalarCodegen"/>'s own emission once per process:
    /// the interpreter and the generated kernels share every definition (NaN rules, integer division, casts).
    /// </summary>
    internal static TDelegate Function<TDelegate>(OpCode op, DType result, DType arg, int arity) where TDelegate : Delegate =>
        (TDelegate)functions.GetOrAdd((op, result, arg, arity), static key =>
        {
            var (op, result, arg, arity) = key;
            var parameters = new ParameterExpression[arity];
            var operands = new ScalarExpr[arity];
            for (int i = 0; i < arity; i++)
            {
                parameters[i] = Expression.Parameter(ScalarCodegen.ClrType(arg), "x" + i);
                operands[i] = new LoadExpr(i, arg, new IndexMap(0, []), []);
            }
            var body = ScalarCodegen.Emit(new OpExpr(op, result, operands), load => parameters[load.Buffer]);
            var lambda = Expression.Lambda<TDelegate>(body, parameters);
            return lambda.CompileFast(ifFastFailedReturnNull: true) ?? lambda.Compile();
        });

    /// <summary>Per-call state: the buffer table and the current point of the domain.</summary>
    internal sealed class Frame(Array[] buffers, int depth)
    {
        public readonly Array[] Buffers = buffers;
        public readonly int[] Index = new int[depth];
    }

    internal abstract class Ev<T>
    {
        public abstract T Eval(Frame f);
    }

    private sealed class ConstEv<T>(T value) : Ev<T>
    {
        public override T Eval(Frame f) => value;
    }

    private sealed record DynamicEv(int Stride, int Extent, Ev<int> Index, string What);

    /// <summary>offset + Σ strides[d]·index[d] + the checked data-dependent terms (as the generated code checks them).</summary>
    private sealed class Address(int offset, int[] strides, DynamicEv[] dynamic)
    {
        public int At(Frame f)
        {
            int a = offset;
            var index = f.Index;
            for (int d = 0; d < strides.Length; d++) a += strides[d] * index[d];
            foreach (var t in dynamic) a += ScalarMath.CheckIndex(t.Index.Eval(f), t.Extent, t.What) * t.Stride;
            return a;
        }
    }

    private sealed class LoadEv<T>(int buffer, Address address) : Ev<T>
    {
        public override T Eval(Frame f) => Unsafe.As<T[]>(f.Buffers[buffer])[address.At(f)];
    }

    private sealed class UnaryEv<TA, T>(Func<TA, T> op, Ev<TA> a) : Ev<T>
    {
        public override T Eval(Frame f) => op(a.Eval(f));
    }

    private sealed class BinaryEv<TA, T>(Func<TA, TA, T> op, Ev<TA> a, Ev<TA> b) : Ev<T>
    {
        public override T Eval(Frame f) => op(a.Eval(f), b.Eval(f));
    }

    /// <summary>Only the taken branch is evaluated, as in the generated conditional.</summary>
    private sealed class SelectEv<T>(Ev<bool> condition, Ev<T> onTrue, Ev<T> onFalse) : Ev<T>
    {
        public override T Eval(Frame f) => condition.Eval(f) ? onTrue.Eval(f) : onFalse.Eval(f);
    }

    /// <summary>
    /// The loop nest of one kernel: stores, accumulates (read-modify-write) or reduces into an accumulator of type
    /// <typeparamref name="TAcc"/> (f64 for f32 sums and products, as the generated code does).
    /// </summary>
    private sealed class Runner<T, TAcc>
    {
        private readonly int[] domain;
        private readonly int output, kept;
        private readonly bool register, accumulate;
        private readonly Ev<T> body;
        private readonly Address store;
        private readonly Func<TAcc, TAcc, TAcc>? combine;
        private readonly Func<T, TAcc> widen;
        private readonly Func<TAcc, T> narrow;
        private readonly TAcc identity = default!;

        public Runner(LoopKernel k, Builder builder)
        {
            body = builder.Build<T>(k.Body);
            domain = k.Domain;
            output = k.Output;
            register = k.IsRegisterReduction;
            accumulate = k.Mode == WriteMode.Accumulate;
            kept = register ? k.KeptAxes : domain.Length;
            if (k.OutDynamic.Length == 0)
            {
                store = Plain(k.OutMap);
            }
            else
            {
                var outDynamic = new DynamicEv[k.OutDynamic.Length];
                for (int i = 0; i < outDynamic.Length; i++)
                {
                    var d = k.OutDynamic[i];
                    outDynamic[i] = new DynamicEv(d.Stride, d.Extent, builder.Build<int>(d.Index), d.What ?? "gather/scatter");
                }
                store = new Address(k.OutMap.Offset, k.OutMap.Strides, outDynamic);
            }
            var dtype = k.DType;
            var acc = typeof(TAcc) == typeof(T) ? dtype : DType.Float64;
            widen = Function<Func<T, TAcc>>(OpCode.Cast, acc, dtype, 1);
            narrow = Function<Func<TAcc, T>>(OpCode.Cast, dtype, acc, 1);
            if (register || accumulate)
            {
                var op = k.ReduceOp switch
                {
                    null or OpCode.ReduceSum => OpCode.Add,
                    OpCode.ReduceProd => OpCode.Mul,
                    OpCode.ReduceMax => OpCode.Max,
                    OpCode.ReduceMin => OpCode.Min,
                    var r => throw new NotSupportedException($"cpu: reduction {r}"),
                };
                combine = Function<Func<TAcc, TAcc, TAcc>>(op, acc, acc, 2);
            }
            if (register)
                identity = (TAcc)((ConstantExpression)ScalarCodegen.Constant(k.ReduceIdentity(), acc)).Value!;
        }

        /// <summary>The outermost axis runs over [lo, hi); a kernel without kept axes runs once.</summary>
        public void Run(Array[] buffers, int lo, int hi)
        {
            var f = new Frame(buffers, domain.Length);
            if (kept == 0)
            {
                Visit(f, 0);
                return;
            }
            for (int i = lo; i < hi; i++)
            {
                f.Index[0] = i;
                Visit(f, 1);
            }
        }

        /// <summary>Runs the kept levels from <paramref name="level"/> on (the index of the levels above is set).</summary>
        private void Visit(Frame f, int level)
        {
            if (level == kept)
            {
                if (register) Reduce(f);
                else Point(f);
                return;
            }
            for (int i = 0, n = domain[level]; i < n; i++)
            {
                f.Index[level] = i;
                Visit(f, level + 1);
            }
        }

        private void Point(Frame f)
        {
            var target = Unsafe.As<T[]>(f.Buffers[output]);
            int at = store.At(f);
            if (accumulate) target[at] = narrow(combine!(widen(target[at]), widen(body.Eval(f))));
            else target[at] = body.Eval(f);
        }

        /// <summary>One kept point: the accumulator over the reduced axes, then one store (reduced strides are 0).</summary>
        private void Reduce(Frame f)
        {
            var acc = identity;
            Accumulate(f, kept, ref acc);
            Unsafe.As<T[]>(f.Buffers[output])[store.At(f)] = narrow(acc);
        }

        private void Accumulate(Frame f, int level, ref TAcc acc)
        {
            if (level == domain.Length)
            {
                acc = combine!(acc, widen(body.Eval(f)));
                return;
            }
            for (int i = 0, n = domain[level]; i < n; i++)
            {
                f.Index[level] = i;
                Accumulate(f, level + 1, ref acc);
            }
        }
    }
}
