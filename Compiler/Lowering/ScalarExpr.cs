using System.Text;

namespace Tracer.Compiler.Lowering;

/// <summary>
/// An affine address map: element address = <see cref="Offset"/> + sum over domain axes d of Strides[d] * index[d].
/// Broadcasting is a stride of 0; transposes, slices and most reshapes only change offset and strides, so views
/// cost nothing. Immutable.
/// </summary>
public sealed class IndexMap : IEquatable<IndexMap>
{
    /// <summary>The map <paramref name="offset"/> + Σ strides[d]·index[d]; the strides array is kept, not copied.</summary>
    /// <param name="offset">The address of index (0, ..., 0).</param>
    /// <param name="strides">One stride per axis, in elements; 0 broadcasts along that axis.</param>
    public IndexMap(int offset, int[] strides)
    {
        Offset = offset;
        Strides = strides;
    }

    /// <summary>The element address of the origin (all indices 0).</summary>
    public int Offset { get; }

    /// <summary>One stride per axis of the space the map is defined over (a tensor's shape or a kernel's domain).</summary>
    public int[] Strides { get; }

    /// <summary>The number of axes the map is defined over.</summary>
    public int Rank => Strides.Length;

    /// <summary>The row-major map of a contiguous tensor of <paramref name="shape"/>.</summary>
    public static IndexMap Contiguous(Shape shape) => new(0, shape.Strides());

    // The maps of nearly every flat kernel (after axis merging): a scalar, a contiguous vector, a broadcast scalar.
    private static readonly IndexMap Scalar = new(0, []), Flat = new(0, [1]), Broadcast = new(0, [0]);

    /// <summary>
    /// A map of <paramref name="offset"/> and <paramref name="strides"/> (which it may keep): one shared instance for
    /// the commonest maps (offset 0, rank 0, or rank 1 with stride 1 or 0), so that a program of many small kernels
    /// does not hold a map and a strides array per load. Maps are immutable, so sharing is safe.
    /// </summary>
    public static IndexMap Shared(int offset, int[] strides) => (offset, strides.Length) switch
    {
        (0, 0) => Scalar,
        (0, 1) when strides[0] == 1 => Flat,
        (0, 1) when strides[0] == 0 => Broadcast,
        _ => new IndexMap(offset, strides),
    };

    /// <summary>The shared instance equal to <paramref name="map"/> when there is one, else <paramref name="map"/>.</summary>
    public static IndexMap Shared(IndexMap map) => map.Offset == 0 && map.Rank <= 1 ? Shared(0, map.Strides) is var s && s.Equals(map) ? s : map : map;

    /// <summary>
    /// Same offset and the same strides in order (maps are compared by value, e.g. to merge identical loads).
    /// </summary>
    public bool Equals(IndexMap? other) =>
        other is not null && Offset == other.Offset && Strides.AsSpan().SequenceEqual(other.Strides);

    /// <inheritdoc cref="Equals(IndexMap?)"/>
    public override bool Equals(object? obj) => Equals(obj as IndexMap);

    /// <summary>A hash of the offset and every stride, consistent with <see cref="Equals(IndexMap?)"/>.</summary>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Offset);
        foreach (int s in Strides) h.Add(s);
        return h.ToHashCode();
    }

    /// <c>offset+(s0,s1,...)</c>, as printed in kernel programs.
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Offset).Append('+').Append('(');
        for (int i = 0; i < Strides.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(Strides[i]);
        }
        return sb.Append(')').ToString();
    }
}

/// <summary>
/// A data-dependent address term: <see cref="Stride"/> * Index, where Index is an i32 scalar expression evaluated at
/// the same domain point and must lie in [0, <see cref="Extent"/>) (gather and scatter_add indices). <see cref="What"/>
/// describes the indexing operation (op, axis, shapes) for the message when an index is out of range.
/// </summary>
public sealed record DynamicIndex(int Stride, int Extent, ScalarExpr Index, string? What = null);

/// <summary>
/// The body of a loop kernel: a scalar expression evaluated at each point of the kernel's iteration domain. Trees
/// are small (the lowering caps fusion), so backends may walk them recursively.
/// </summary>
public abstract class ScalarExpr(DType dtype)
{
    private static int created;

    /// <summary>
    /// A number fixed at construction, the hash of <see cref="ScalarExprIdentity"/>. Not atomic on purpose: two
    /// expressions made at once on two threads may share it, which only costs a hash collision.
    /// </summary>
    internal readonly int Identity = ++created;

    /// <summary>The dtype of the value the expression computes.</summary>
    public DType DType { get; } = dtype;

    /// <summary>Number of operations (loads with dynamic indices count their index expressions); the fusion budget.</summary>
    public abstract int Size { get; }

    /// <summary>
    /// The expression in prefix form, e.g. <c>mul(b0[0+(1)], 2:f32)</c>, as printed in kernel programs.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb);
        return sb.ToString();
    }

    internal abstract void Print(StringBuilder sb);
}

/// <summary>A scalar literal (broadcast everywhere).</summary>
public sealed class ConstExpr(double value, DType dtype) : ScalarExpr(dtype)
{
    /// <summary>The literal's value, held as a double for every dtype (exact for float32, int32 and bool).</summary>
    public double Value { get; } = value;

    /// <summary>0: a literal costs nothing against the fusion budget.</summary>
    public override int Size => 0;

    internal override void Print(StringBuilder sb) =>
        sb.Append(Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(DType.ShortName());
}

/// <summary>
/// A read of buffer <see cref="Buffer"/> at <see cref="Map"/> (plus optional dynamic terms for gathers).
/// </summary>
public sealed class LoadExpr(int buffer, DType dtype, IndexMap map, DynamicIndex[] dynamic) : ScalarExpr(dtype)
{
    /// <summary>The id of the buffer read.</summary>
    public int Buffer { get; } = buffer;

    /// <summary>The affine part of the address, over the kernel's domain.</summary>
    public IndexMap Map { get; } = map;

    /// <summary>Data-dependent address terms; empty for plain strided loads.</summary>
    public DynamicIndex[] Dynamic { get; } = dynamic;

    /// <summary>
    /// True for a plain strided load (no data-dependent terms): the only kind a vectorised loop can load
    /// contiguously.
    /// </summary>
    public bool IsStrided => Dynamic.Length == 0;

    /// <summary>
    /// The cost of the dynamic index expressions (one per term plus its index's size); a strided load is free.
    /// </summary>
    public override int Size
    {
        get
        {
            int n = 0;
            foreach (var d in Dynamic) n += 1 + d.Index.Size;
            return n;
        }
    }

    internal override void Print(StringBuilder sb)
    {
        sb.Append('b').Append(Buffer).Append('[').Append(Map);
        foreach (var d in Dynamic)
        {
            sb.Append(" + ").Append(d.Stride).Append("*idx<").Append(d.Extent).Append(">(");
            d.Index.Print(sb);
            sb.Append(')');
        }
        sb.Append(']');
    }
}

/// <summary>
/// An elementwise primitive applied to scalar operands: unary, binary, comparison, select (condition, on-true,
/// on-false) or cast (to <see cref="ScalarExpr.DType"/>; stop_gradient never reaches kernels). Operands of binary
/// ops share a dtype; comparisons yield bool.
/// </summary>
public sealed class OpExpr : ScalarExpr
{
    /// <summary>Applies <paramref name="op"/> to <paramref name="args"/>, giving a value of <paramref name="dtype"/>.</summary>
    /// <param name="op">An elementwise primitive (unary, binary, compare, select or cast).</param>
    /// <param name="dtype">The result dtype (bool for comparisons, the target for casts).</param>
    /// <param name="args">The operands, in the primitive's order.</param>
    public OpExpr(OpCode op, DType dtype, params ScalarExpr[] args) : base(dtype)
    {
        Op = op;
        Args = args;
        int size = 1;
        foreach (var a in args) size += a.Size;
        Size = size;
    }

    /// <summary>The elementwise primitive applied.</summary>
    public OpCode Op { get; }

    /// <summary>The operands in the primitive's order (a select's are condition, on-true, on-false).</summary>
    public ScalarExpr[] Args { get; }

    /// <summary>1 plus the size of every operand (a shared operand counts each time it appears).</summary>
    public override int Size { get; }

    internal override void Print(StringBuilder sb)
    {
        sb.Append(Op == OpCode.Cast ? "cast<" + DType.ShortName() + ">" : Op.Name()).Append('(');
        for (int i = 0; i < Args.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            Args[i].Print(sb);
        }
        sb.Append(')');
    }
}

/// <summary>
/// Reference equality for expression nodes with a precomputed hash: the lowering and the backends key dictionaries
/// by node identity (shared sub-expressions), and <see cref="ReferenceEqualityComparer"/>'s object hash made those
/// lookups a sixth of the compile time of programs with many thousands of kernels.
/// </summary>
public sealed class ScalarExprIdentity : IEqualityComparer<ScalarExpr>
{
    /// <summary>The comparer (stateless).</summary>
    public static readonly ScalarExprIdentity Instance = new();

    private ScalarExprIdentity()
    {
    }

    /// <summary>True when both are the same node.</summary>
    public bool Equals(ScalarExpr? x, ScalarExpr? y) => ReferenceEquals(x, y);

    /// <summary>The node's construction number.</summary>
    public int GetHashCode(ScalarExpr e) => e.Identity;
}

/// <summary>Rewrites every load of an expression tree (recursion is bounded by the fusion budget).</summary>
public static class ScalarExprRewriter
{
    /// <summary>
    /// Rebuilds <paramref name="e"/> with every load replaced by <paramref name="f"/>'s result. A node shared by
    /// reference (a multi-use value the lowering kept fused) stays shared in the result, so backends can still
    /// compute it once.
    /// </summary>
    public static ScalarExpr MapLoads(ScalarExpr e, Func<LoadExpr, ScalarExpr> f) => MapLoads(e, f, null);

    // One map per thread reused from rewrite to rewrite (a lowering rewrites every kernel's body, and a new dictionary
    // each time was most of what lowering allocated); a nested rewrite (a dynamic index inside) takes a new one.
    [ThreadStatic]
    private static Dictionary<ScalarExpr, ScalarExpr>? spareMap;

    private static ScalarExpr MapLoads(ScalarExpr e, Func<LoadExpr, ScalarExpr> f, ScalarExprInterner? interner)
    {
        if (e is ConstExpr) return interner?.Intern(e) ?? e;
        var done = spareMap ?? new Dictionary<ScalarExpr, ScalarExpr>(ScalarExprIdentity.Instance);
        spareMap = null;
        try
        {
            return MapLoads(e, f, done, interner);
        }
        finally
        {
            done.Clear();
            spareMap = done;
        }
    }

    private static ScalarExpr MapLoads(ScalarExpr e, Func<LoadExpr, ScalarExpr> f, Dictionary<ScalarExpr, ScalarExpr> done, ScalarExprInterner? interner)
    {
        if (e is ConstExpr) return interner?.Intern(e) ?? e;
        if (done.TryGetValue(e, out var mapped)) return mapped;
        if (e is LoadExpr load) mapped = f(load);
        else if (e is OpExpr op)
        {
            // An operation whose operands map to themselves is kept (no copy of an unchanged tree).
            ScalarExpr[]? args = null;
            for (int i = 0; i < op.Args.Length; i++)
            {
                var a = MapLoads(op.Args[i], f, done, interner);
                if (args is null && ReferenceEquals(a, op.Args[i])) continue;
                if (args is null)
                {
                    args = new ScalarExpr[op.Args.Length];
                    Array.Copy(op.Args, args, i);
                }
                args[i] = a;
            }
            mapped = args is null ? op : new OpExpr(op.Op, op.DType, args);
        }
        else mapped = e;
        if (interner is not null) mapped = interner.Intern(mapped);
        done[e] = mapped;
        return mapped;
    }

    /// <summary>
    /// Rewrites the address map of every load, including loads inside dynamic index expressions; with an
    /// <paramref name="interner"/>, every node of the result is its shared instance.
    /// </summary>
    public static ScalarExpr MapIndexMaps(ScalarExpr e, Func<IndexMap, IndexMap> f, ScalarExprInterner? interner = null) =>
        MapLoads(e, load =>
        {
            var map = f(load.Map);
            if (load.Dynamic.Length == 0 && ReferenceEquals(map, load.Map)) return load;   // unchanged: no copy
            var dynamic = load.Dynamic.Length == 0 ? [] : new DynamicIndex[load.Dynamic.Length];   // one empty array for all
            for (int i = 0; i < dynamic.Length; i++)
                dynamic[i] = load.Dynamic[i] with { Index = MapIndexMaps(load.Dynamic[i].Index, f, interner) };
            return new LoadExpr(load.Buffer, load.DType, map, dynamic);
        }, interner);

    /// <summary>Visits every load, including those inside dynamic index expressions.</summary>
    public static void VisitLoads(ScalarExpr e, Action<LoadExpr> visit)
    {
        switch (e)
        {
            case LoadExpr load:
                visit(load);
                foreach (var d in load.Dynamic) VisitLoads(d.Index, visit);
                break;
            case OpExpr op:
                foreach (var a in op.Args) VisitLoads(a, visit);
                break;
        }
    }
}
