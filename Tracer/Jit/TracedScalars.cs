using System.Runtime.CompilerServices;
using Tracer.Compiler;

namespace Tracer;

/// <summary>A double or float leaf of a jit call's arguments that is traced: its value and whether it is a float.</summary>
/// <summary>
/// A finite double or float leaf of a jit call's arguments: its value, whether it is a float, and whether the
/// function made it static (it is then in the key by value and not an input).
/// </summary>
internal readonly record struct ScalarLeaf(double Value, bool IsFloat32, bool IsStatic)
{
    /// <summary>The value the user function sees for <paramref name="v"/> (a float leaf holds a rounded one).</summary>
    public double Visible(double v) => IsFloat32 ? (float)v : v;
}

/// <summary>
/// Traced number leaves: a <c>double</c> or <c>float</c> in a jitted function's arguments is an input of the graph
/// (a weakly typed scalar, as JAX treats a Python float), so calling again with another value does not recompile.
/// </summary>
/// <remarks>
/// A C# number cannot hold a tracer, so the function still receives a plain number. While it is traced, a table
/// maps that number's bits to the symbolic input, and every place where a C# number becomes a tensor (the weakly
/// typed operands of <see cref="Ops"/> and the operators, <see cref="Tensor.Scalar(double)"/>) looks it up. The
/// function is traced twice, the second time with other values: when the two graphs differ, the number was used
/// in C# (arithmetic, a comparison, a Math call) or collided with a constant, and the function falls back to static
/// number leaves, part of the cache key, which is always correct. Equal leaves share one input, so the key records
/// which leaves are equal.
/// </remarks>
internal static class TracedScalars
{
    private sealed record Frame(GraphBuilder Builder, Dictionary<long, Tensor> Map);

    [ThreadStatic]
    private static List<Frame>? frames;

    [ThreadStatic]
    private static double[]? substitution;

    [ThreadStatic]
    private static int substitutionPos;

    /// <summary>Finite doubles and floats are traced; NaN and infinities stay static (they could not be told apart).</summary>
    public static bool IsTraceable<T>(T value)
    {
        if (typeof(T) == typeof(double)) return double.IsFinite(Unsafe.As<T, double>(ref value));
        if (typeof(T) == typeof(float)) return float.IsFinite(Unsafe.As<T, float>(ref value));
        return false;
    }

    /// <summary>
    /// Records a number leaf. A traced one writes its type and the first earlier traced leaf it equals into the key
    /// (equal leaves share an input), its value aside; one that this function made static writes its value.
    /// </summary>
    public static void Collect<T>(SignatureWriter sig, T value)
    {
        bool f32 = typeof(T) == typeof(float);
        double v = f32 ? Unsafe.As<T, float>(ref value) : Unsafe.As<T, double>(ref value);
        var list = sig.Scalars!;
        long bits = BitConverter.DoubleToInt64Bits(v);
        bool isStatic = sig.StaticScalars is { } mask && mask.Contains(list.Count);
        if (isStatic)
        {
            sig.Write(TokenKind.Static);
            sig.Write(bits);
        }
        else
        {
            int same = -1;
            for (int i = 0; i < list.Count && same < 0; i++)
            {
                if (!list[i].IsStatic && BitConverter.DoubleToInt64Bits(list[i].Value) == bits) same = i;
            }
            sig.Write(TokenKind.TracedScalar | (f32 ? 1L << 8 : 0));
            sig.Write(same);
        }
        list.Add(new ScalarLeaf(v, f32, isStatic));
    }

    /// <summary>While a trace rebuilds its arguments: the next traced leaf's value for this pass; else the template.</summary>
    public static T Substitute<T>(T template)
    {
        var values = substitution;
        if (values is null || !IsTraceable(template)) return template;
        double v = values[substitutionPos++];
        if (typeof(T) == typeof(float))
        {
            float f = (float)v;
            return Unsafe.As<float, T>(ref f);
        }
        return Unsafe.As<double, T>(ref v);
    }

    /// <summary>Rebuilds arguments with <paramref name="values"/> in place of the traced leaves, in flattening order.</summary>
    public static T RebuildWith<T>(TreeAdapter<T> adapter, T template, IReadOnlyList<Tensor> leaves, double[] values)
    {
        var (saved, savedPos) = (substitution, substitutionPos);
        substitution = values;
        substitutionPos = 0;
        try
        {
            int pos = 0;
            return adapter.Rebuild(template, leaves, ref pos);
        }
        finally
        {
            (substitution, substitutionPos) = (saved, savedPos);
        }
    }

    /// <summary>Makes <paramref name="values"/> (as the function sees them) stand for the symbolic scalars in <paramref name="builder"/>.</summary>
    public static Scope Push(GraphBuilder builder, List<ScalarLeaf> leaves, double[] values, Tensor[] symbolic)
    {
        var map = new Dictionary<long, Tensor>();
        for (int i = 0, k = 0; i < values.Length; i++)
        {
            if (!leaves[i].IsStatic) map.TryAdd(BitConverter.DoubleToInt64Bits(values[i]), symbolic[k++]);
        }
        (frames ??= []).Add(new Frame(builder, map));
        return new Scope();
    }

    /// <summary>Ends the innermost <see cref="Push"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <summary>Removes the frame.</summary>
        public void Dispose() => frames!.RemoveAt(frames.Count - 1);
    }

    /// <summary>
    /// The symbolic scalar that a C# number stands for in the active trace (or one enclosing it), or null: outside
    /// tracing, or for a number that is not a traced leaf's value.
    /// </summary>
    public static Tensor? Find(double value)
    {
        var fs = frames;
        if (fs is null || fs.Count == 0) return null;
        var current = GraphBuilder.Current;
        if (current is null) return null;
        long bits = BitConverter.DoubleToInt64Bits(value);
        for (int i = fs.Count - 1; i >= 0; i--)
        {
            if (Encloses(fs[i].Builder, current) && fs[i].Map.TryGetValue(bits, out var t)) return t;
        }
        return null;
    }

    private static bool Encloses(GraphBuilder outer, GraphBuilder inner)
    {
        for (var b = inner; b is not null; b = b.Parent)
        {
            if (ReferenceEquals(b, outer)) return true;
        }
        return false;
    }

    /// <summary>
    /// Values for the checking pass: each traced one moved by about a third of its size plus a third, so it differs
    /// from the original and from every other moved value, while leaves that were equal stay equal.
    /// </summary>
    public static double[] Perturbed(List<ScalarLeaf> leaves)
    {
        var r = new double[leaves.Count];
        for (int i = 0; i < r.Length; i++)
        {
            double v = leaves[i].Value;
            r[i] = leaves[i].IsStatic ? v : leaves[i].Visible(v + (Math.Abs(v) + 1) * 0.3183098861837907);
        }
        return r;
    }

    /// <summary>
    /// Whether two traces are the same program: equal printed form (ops, types, attributes, literal values written
    /// exactly, nested bodies) and equal constant data.
    /// </summary>
    public static bool SameProgram(Graph a, Graph b)
    {
        if (a.ToString() != b.ToString()) return false;
        return SameConstants(a, b);
    }

    private static bool SameConstants(Graph a, Graph b)
    {
        if (a.Equations.Count != b.Equations.Count) return false;
        for (int i = 0; i < a.Equations.Count; i++)
        {
            Node x = a.Equations[i], y = b.Equations[i];
            if (x.Op == OpCode.Constant && !SameData(x.Attrs.Data!, y.Attrs.Data!)) return false;
            if (x.Attrs.Control is { } cx && y.Attrs.Control is { } cy)
            {
                var sx = cx.SubGraphs().ToArray();
                var sy = cy.SubGraphs().ToArray();
                if (sx.Length != sy.Length) return false;
                for (int k = 0; k < sx.Length; k++)
                {
                    if (!SameConstants(sx[k], sy[k])) return false;
                }
            }
        }
        return true;
    }

    private static bool SameData(Array x, Array y)
    {
        if (x.Length != y.Length || x.GetType() != y.GetType()) return false;
        return x switch
        {
            double[] d => d.AsSpan().SequenceEqual((double[])y),
            float[] f => f.AsSpan().SequenceEqual((float[])y),
            int[] n => n.AsSpan().SequenceEqual((int[])y),
            bool[] z => z.AsSpan().SequenceEqual((bool[])y),
            _ => false,
        };
    }
}
