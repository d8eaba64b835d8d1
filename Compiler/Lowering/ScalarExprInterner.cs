namespace Tracer.Compiler.Lowering;

/// <summary>
/// Hash-consing of the scalar expressions of one program's kernels: a constant, a load (buffer and address map, no
/// data-dependent terms) or an operation over the same (already interned) operands is one object, however many
/// kernels use it. A long unrolled chain fuses the same few values into kernel after kernel (each step's value is
/// recomputed by the kernels of the next), so without this a program of tens of thousands of small kernels holds many
/// copies of each. Expressions are immutable and evaluated without side effects, so sharing changes nothing a kernel
/// computes; backends that see the same node twice in one kernel may compute it once. The table is generational: it
/// remembers the expressions of roughly the last <see cref="Generation"/> interned nodes (kernels share what their
/// neighbours computed, not what a kernel far back did), so its own memory stays bounded on huge programs.
/// </summary>
public sealed class ScalarExprInterner
{
    /// <summary>How many distinct nodes one generation of the table holds before the older one is forgotten.</summary>
    public const int Generation = 1 << 16;

    private HashSet<ScalarExpr> table = new(Shallow.Instance);
    private HashSet<ScalarExpr> older = new(Shallow.Instance);

    /// <summary>
    /// The shared instance equal to <paramref name="e"/> (whose operands must already be interned), or
    /// <paramref name="e"/> itself, which becomes the shared one. Loads with data-dependent terms are not shared.
    /// </summary>
    public ScalarExpr Intern(ScalarExpr e)
    {
        if (e is LoadExpr { Dynamic.Length: > 0 }) return e;
        if (table.TryGetValue(e, out var shared)) return shared;
        if (older.TryGetValue(e, out shared))
        {
            table.Add(shared);
            return shared;
        }
        if (table.Count >= Generation)
        {
            (older, table) = (table, older);
            table.Clear();
        }
        table.Add(e);
        return e;
    }

    /// <summary>Equality of one node given its operands' identity (they are interned first).</summary>
    private sealed class Shallow : IEqualityComparer<ScalarExpr>
    {
        public static readonly Shallow Instance = new();

        public bool Equals(ScalarExpr? a, ScalarExpr? b)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a is null || b is null || a.DType != b.DType) return false;
            switch (a)
            {
                case ConstExpr ca when b is ConstExpr cb:
                    return BitConverter.DoubleToInt64Bits(ca.Value) == BitConverter.DoubleToInt64Bits(cb.Value);
                case LoadExpr la when b is LoadExpr lb:
                    return la.Buffer == lb.Buffer && la.Dynamic.Length == 0 && lb.Dynamic.Length == 0 && la.Map.Equals(lb.Map);
                case OpExpr oa when b is OpExpr ob:
                    if (oa.Op != ob.Op || oa.Args.Length != ob.Args.Length) return false;
                    for (int i = 0; i < oa.Args.Length; i++)
                    {
                        if (!ReferenceEquals(oa.Args[i], ob.Args[i])) return false;
                    }
                    return true;
                default:
                    return false;
            }
        }

        public int GetHashCode(ScalarExpr e)
        {
            var h = new HashCode();
            h.Add(e.DType);
            switch (e)
            {
                case ConstExpr c:
                    h.Add(BitConverter.DoubleToInt64Bits(c.Value));
                    break;
                case LoadExpr l:
                    h.Add(l.Buffer);
                    h.Add(l.Map);
                    break;
                case OpExpr op:
                    h.Add(op.Op);
                    foreach (var a in op.Args) h.Add(a.Identity);
                    break;
            }
            return h.ToHashCode();
        }
    }
}
