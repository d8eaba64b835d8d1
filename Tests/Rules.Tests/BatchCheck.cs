using Tracer.Compiler;
using Tracer.Rules;

namespace Tracer.Tests;

/// <summary>
/// One batching case: per-example input types and a function applying the primitive under test. Inputs are drawn
/// by <see cref="Sample"/> (default: floats in [-1.5, 1.5), i32 in [-5, 5], random bools).
/// </summary>
internal sealed record BatchCase(string Name, OpCode Op, TensorType[] Inputs, Func<Node[], Node> Build)
{
    public Func<Random, int, double>? Sample { get; init; }

    public override string ToString() => Name;
}

/// <summary>
/// Checks batching rules against a loop: the vmapped graph, evaluated by the reference interpreter over batched
/// inputs, must equal the per-example results stacked on axis 0. Each case runs with several choices of batch
/// axes: every input batched at axis 0, every input batched on its last axis, the first at axis 0 and the others
/// on their last axis, and each input alone batched (at a middle axis) with the others unbatched.
/// </summary>
internal static class BatchCheck
{
    public const int BatchSize = 5;
    private static readonly RuleTable Rules = RuleTable.Default;

    public static void Run(BatchCase c)
    {
        var f = PerExample(c);
        foreach (var inAxes in AxisChoices(c))
        {
            var rng = new Random(GradientCheck.StableSeed(c.Name + string.Join(",", inAxes)));
            var batched = Batching.Vmap(f, inAxes, [0], BatchSize);
            Verifier.Verify(batched);
            var inputs = new Array[c.Inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
            {
                var type = inAxes[k] < 0 ? c.Inputs[k] : new TensorType(Batching.InsertAxis(c.Inputs[k].Shape, inAxes[k], BatchSize), c.Inputs[k].DType);
                inputs[k] = Draw(c, k, type, rng);
            }
            var actual = Interpreter.Run(Rules, batched, inputs)[0];

            var expected = new List<Array>();
            for (int b = 0; b < BatchSize; b++)
            {
                var example = new Array[inputs.Length];
                for (int k = 0; k < inputs.Length; k++) example[k] = inAxes[k] < 0 ? inputs[k] : Example(inputs[k], c.Inputs[k], inAxes[k], b);
                expected.Add(Interpreter.Run(Rules, f, example)[0]);
            }
            AssertStacked(c, expected, actual, $"in_axes ({string.Join(",", inAxes)})", batched);
        }
    }

    public static Graph PerExample(BatchCase c)
    {
        var b = new GraphBuilder(Rules, null);
        using (b.Activate())
        {
            var xs = Array.ConvertAll(c.Inputs, b.Input);
            return b.Build([c.Build(xs)]);
        }
    }

    public static IEnumerable<int[]> AxisChoices(BatchCase c)
    {
        int n = c.Inputs.Length;
        var seen = new HashSet<string>();
        var choices = new List<int[]>
        {
            new int[n],
            Array.ConvertAll(c.Inputs, t => t.Shape.Rank),
        };
        if (n > 1)
        {
            var mixed = Array.ConvertAll(c.Inputs, t => t.Shape.Rank);
            mixed[0] = 0;
            choices.Add(mixed);
        }
        for (int k = 0; k < n && n > 1; k++)
        {
            var axes = Enumerable.Repeat(-1, n).ToArray();
            axes[k] = (c.Inputs[k].Shape.Rank + 1) / 2;
            choices.Add(axes);
        }
        foreach (var axes in choices)
        {
            if (seen.Add(string.Join(",", axes))) yield return axes;
        }
    }

    public static Array Draw(BatchCase c, int k, TensorType type, Random rng)
    {
        int size = type.Shape.Size;
        var values = new double[size];
        for (int i = 0; i < size; i++)
        {
            values[i] = c.Sample is { } s ? s(rng, k) : type.DType switch
            {
                DType.Int32 => rng.Next(-5, 6),
                DType.Bool => rng.Next(2),
                _ => 3 * rng.NextDouble() - 1.5,
            };
        }
        return HostArrays.FromDouble(values, type.DType);
    }

    /// <summary>Example <paramref name="b"/> of <paramref name="batched"/>, whose batch lies on <paramref name="axis"/>.</summary>
    private static Array Example(Array batched, TensorType example, int axis, int b)
    {
        var full = Batching.InsertAxis(example.Shape, axis, BatchSize);
        var strides = full.Strides().ToList();
        int offset = b * strides[axis];
        strides.RemoveAt(axis);
        return HostArrays.Take(batched, HostArrays.StridedMap(example.Shape, strides.ToArray(), offset), example.DType);
    }

    private static void AssertStacked(BatchCase c, List<Array> expected, Array actual, string label, Graph g)
    {
        int per = expected[0].Length;
        Assert.AreEqual(per * BatchSize, actual.Length, $"{c.Name} ({label}): length\n{g}");
        Assert.AreEqual(expected[0].GetType(), actual.GetType(), $"{c.Name} ({label}): dtype");
        var got = HostArrays.ToDouble(actual);
        double tolerance = actual is float[] ? 1e-6 : 1e-12;
        for (int b = 0; b < BatchSize; b++)
        {
            var want = HostArrays.ToDouble(expected[b]);
            for (int i = 0; i < per; i++)
            {
                double e = want[i], a = got[b * per + i];
                bool ok = e.Equals(a) || Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e));
                Assert.IsTrue(ok, $"{c.Name} ({label}): example {b}, element {i}: batched {a:R} vs loop {e:R}\n{g}");
            }
        }
    }
}
