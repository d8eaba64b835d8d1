using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>
/// Builds a graph, runs it on the reference interpreter and on a compiled backend (the CPU here; the CUDA tests link
/// this file with their own Harness.Backend.cs) with the same random inputs, and compares: f32 to ~1e-5, f64 to ~1e-12 (relative, with an absolute floor of the same size), ints and bools exactly.
/// </summary>
internal static partial class Harness
{
    public static Graph Build(TensorType[] inputs, Func<Node[], Node[]> body)
    {
        var b = new GraphBuilder(RuleTable.Default, null);
        using (b.Activate())
        {
            var xs = new Node[inputs.Length];
            for (int i = 0; i < xs.Length; i++) xs[i] = b.Input(inputs[i]);
            return b.Build(body(xs));
        }
    }

    public static Graph Build(TensorType input, Func<Node, Node> body) => Build([input], xs => [body(xs[0])]);

    public static TensorType T(DType dtype, params int[] shape) => new(new Shape(shape), dtype);

    /// <summary>Random values of <paramref name="type"/>: floats in [lo, hi], ints in [lo, hi], bools 50/50.</summary>
    public static Array Random(Random rng, TensorType type, double lo = -2, double hi = 2)
    {
        int n = type.Shape.Size;
        switch (type.DType)
        {
            case DType.Float32:
            {
                var a = new float[n];
                for (int i = 0; i < n; i++) a[i] = (float)(lo + (hi - lo) * rng.NextDouble());
                return a;
            }
            case DType.Float64:
            {
                var a = new double[n];
                for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.NextDouble();
                return a;
            }
            case DType.Int32:
            {
                var a = new int[n];
                for (int i = 0; i < n; i++) a[i] = rng.Next((int)lo, (int)hi + 1);
                return a;
            }
            default:
            {
                var a = new bool[n];
                for (int i = 0; i < n; i++) a[i] = rng.Next(2) == 1;
                return a;
            }
        }
    }

    /// <summary>Random inputs in [lo, hi] for every graph input, then <see cref="Check(Graph, Array[], string, bool)"/>.</summary>
    public static void Check(Graph g, int seed, string what, double lo = -2, double hi = 2, bool crossCheckSystem = false)
    {
        var rng = new Random(seed);
        var inputs = new Array[g.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Random(rng, g.Inputs[i].Type, lo, hi);
        Check(g, inputs, what, crossCheckSystem);
    }

    public static void Compare(Array[] expected, Array[] actual, string what, object? exe = null, bool exact = false)
    {
        Assert.HasCount(expected.Length, actual);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.AreEqual(expected[o].GetType(), actual[o].GetType(), $"{what}: output {o} type");
            Assert.AreEqual(expected[o].Length, actual[o].Length, $"{what}: output {o} length");
            double tol = exact ? 0 : expected[o] switch { float[] => 2e-5, double[] => 1e-12, _ => 0 };
            for (int i = 0; i < expected[o].Length; i++)
            {
                double e = Convert.ToDouble(expected[o].GetValue(i));
                double a = Convert.ToDouble(actual[o].GetValue(i));
                if (Same(e, a, tol)) continue;
                Assert.Fail($"{what}: output {o}[{i}] expected {e:R}, got {a:R}" + (exe is null ? "" : "\n" + ProgramText(exe)));
            }
        }
    }

    /// <summary>The compiled program's text, for failure messages (each backend half knows its executable).</summary>
    private static partial string ProgramText(object exe);

    private static bool Same(double e, double a, double tol)
    {
        if (e.Equals(a)) return true;   // also NaN == NaN and equal infinities
        if (double.IsNaN(e) || double.IsNaN(a) || double.IsInfinity(e) || double.IsInfinity(a)) return false;
        return Math.Abs(e - a) <= tol * Math.Max(1, Math.Abs(e));
    }
}
