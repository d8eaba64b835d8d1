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
/// function is traced twice, with its numbers and with stand-ins: when the two graphs differ (or the stand-ins make
/// it throw), some number was used in C# (arithmetic, a check, a Math call) or equals a constant of the function;
/// traces that move one group of equal numbers at a time find which. One that gives the same program at two
/// stand-ins only collided with a constant and is traced at a stand-in; the others become static leaves, part of
/// the cache key, which is always correct. So does a
/// number no equation reads (used in a C# branch or loop bound only). Equal leaves share one input, so the key
/// records which leaves are equal. A number that steers C# control flow the same way for both traced values and
/// also reaches a tensor cannot be detected: wrap such a number in <see cref="Static.Of{T}(T)"/>.
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
        if (restoring is { } restore && IsTraceable(template))
        {
            double seen = typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref template) : Unsafe.As<T, double>(ref template);
            if (!restore.TryGetValue(BitConverter.DoubleToInt64Bits(seen), out double own)) return template;
            if (typeof(T) == typeof(float))
            {
                float f = (float)own;
                return Unsafe.As<float, T>(ref f);
            }
            return Unsafe.As<double, T>(ref own);
        }
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
    /// The values a trace runs with: pass 0 is the call's own; in passes 1 and 2 the traced leaves (all, or those in
    /// <paramref name="only"/>; the others keep their own) get stand-ins, the same for equal leaves and different
    /// for different ones (both maps are increasing). Pass 1 maps v to 0.618 v + 0.318; pass 2 moves that by a
    /// little over half its size plus 0.577, so the two always differ.
    /// </summary>
    public static double[] StandIns(List<ScalarLeaf> leaves, int pass, IReadOnlyCollection<int>? only)
    {
        var r = new double[leaves.Count];
        for (int i = 0; i < r.Length; i++)
        {
            var leaf = leaves[i];
            if (leaf.IsStatic)
            {
                r[i] = leaf.Value;
                continue;
            }
            if (pass == 0 || (only is not null && !only.Contains(i)))
            {
                r[i] = leaf.Value;
                continue;
            }
            double p1 = leaf.Value * 0.6180339887498949 + 0.3183098861837907;
            r[i] = leaf.Visible(pass == 2 ? p1 + (Math.Abs(p1) + 1) * 0.5772156649015329 : p1);
        }
        return r;
    }

    /// <summary>
    /// The result template of a trace with the call's own numbers where the function returned a traced number
    /// (it saw stand-ins while tracing).
    /// </summary>
    public static R RestoreValues<R>(TreeAdapter<R> adapter, R template, List<ScalarLeaf> leaves, double[] standIns)
    {
        var restore = new Dictionary<long, double>();
        for (int i = 0; i < leaves.Count; i++)
        {
            if (!leaves[i].IsStatic) restore.TryAdd(BitConverter.DoubleToInt64Bits(standIns[i]), leaves[i].Value);
        }
        var tensors = new List<Tensor>();
        adapter.Flatten(template, tensors, null);
        var saved = restoring;
        restoring = restore;
        try
        {
            int pos = 0;
            return adapter.Rebuild(template, tensors, ref pos);
        }
        finally
        {
            restoring = saved;
        }
    }

    [ThreadStatic]
    private static Dictionary<long, double>? restoring;

    /// <summary>The traceable numbers of a tree, in flattening order.</summary>
    private static List<ScalarLeaf> Numbers<R>(TreeAdapter<R> adapter, R tree)
    {
        var numbers = new List<ScalarLeaf>();
        adapter.Flatten(tree, [], new SignatureWriter { Scalars = numbers });
        return numbers;
    }

    /// <summary>
    /// For each number of a result: the traced argument it is (its value at the call's numbers and at stand-ins
    /// both match that argument's), or -1. A result computed in C# from a traced number could not be one: the
    /// function made that number static.
    /// </summary>
    public static int[] ResultSources<R>(TreeAdapter<R> adapter, R atReal, R atStandIns, List<ScalarLeaf> leaves, double[] real, double[] standIns)
    {
        var a = Numbers(adapter, atReal);
        var b = Numbers(adapter, atStandIns);
        var map = new int[a.Count];
        for (int k = 0; k < map.Length; k++)
        {
            map[k] = -1;
            if (k >= b.Count) continue;
            for (int j = 0; j < leaves.Count && map[k] < 0; j++)
            {
                if (!leaves[j].IsStatic && a[k].Value.Equals(real[j]) && b[k].Value.Equals(standIns[j])) map[k] = j;
            }
        }
        return map;
    }

    /// <summary>The cached result template with the call's own numbers where the result passes a traced one through.</summary>
    public static R WithNumbers<R>(TreeAdapter<R> adapter, R template, int[] sources, List<ScalarLeaf> call)
    {
        var tensors = new List<Tensor>();
        adapter.Flatten(template, tensors, null);
        var current = Numbers(adapter, template);
        var values = new double[current.Count];
        for (int k = 0; k < values.Length; k++) values[k] = k < sources.Length && sources[k] >= 0 ? call[sources[k]].Value : current[k].Value;
        return RebuildWith(adapter, template, tensors, values);
    }

    /// <summary>The traced leaves grouped by equal value (equal leaves share an input, so they move together).</summary>
    public static List<List<int>> EqualGroups(List<ScalarLeaf> leaves)
    {
        var groups = new List<List<int>>();
        var byBits = new Dictionary<long, List<int>>();
        for (int i = 0; i < leaves.Count; i++)
        {
            if (leaves[i].IsStatic) continue;
            long bits = BitConverter.DoubleToInt64Bits(leaves[i].Value);
            if (!byBits.TryGetValue(bits, out var g))
            {
                byBits[bits] = g = [];
                groups.Add(g);
            }
            g.Add(i);
        }
        return groups;
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
