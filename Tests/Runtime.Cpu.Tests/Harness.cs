using Tracer.Compiler;
using Tracer.Rules;
using Tracer.Runtime.Cpu;

namespace Tracer.Tests;

/// <summary>
/// Builds a graph, runs it on the reference interpreter and on the CPU backend with the same random inputs, and
/// compares: f32 to ~1e-5, f64 to ~1e-12 (relative, with an absolute floor of the same size), ints and bools exactly.
/// </summary>
internal static class Harness
{
    public static readonly CpuBackend Fast = new();

    public static readonly CpuBackend System = new(new CpuBackendOptions { Compiler = CpuCompiler.System });

    /// <summary>Every loop kernel in the kernel interpreter.</summary>
    public static readonly CpuBackend Interpreted = new(new CpuBackendOptions { Compiler = CpuCompiler.Interpreted, Vectors = VectorIsa.None });

    /// <summary>Generated scalar code only (no vector loops): what the interpreter must equal bit for bit.</summary>
    public static readonly CpuBackend Scalar = new(new CpuBackendOptions { Vectors = VectorIsa.None });

    /// <summary>
    /// TRACER_CPU_CROSSCHECK=1 compares every case with <c>Expression.Compile()</c> too (slower; run it after
    /// upgrading FastExpressionCompiler). By default only the cases that ask for it are cross-checked.
    /// </summary>
    private static readonly bool CrossCheckEverything = Environment.GetEnvironmentVariable("TRACER_CPU_CROSSCHECK") == "1";

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

    /// <summary>
    /// Compiles <paramref name="g"/> with the CPU backend (FEC must not have declined any kernel; small kernels of large
    /// programs may run in the kernel interpreter).
    /// </summary>
    public static CpuExecutable CompileFast(Graph g)
    {
        var exe = (CpuExecutable)Fast.Compile(g);
        for (int i = 0; i < exe.CompiledBy.Count; i++)
        {
            if (exe.CompiledBy[i] == CpuCompiler.System)
                Assert.Fail($"FastExpressionCompiler declined kernel {i}:\n{exe.Describe()}");
        }
        return exe;
    }

    /// <summary>Runs <paramref name="g"/> on both backends and compares; also against <c>Compile()</c> when asked.</summary>
    public static void Check(Graph g, Array[] inputs, string what, bool crossCheckSystem = false)
    {
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        var exe = CompileFast(g);
        var actual = exe.Run(inputs);
        Compare(expected, actual, what, exe);
        // The kernel interpreter runs the generated code's own scalar functions: equal to scalar code bit for bit.
        var interpreted = (CpuExecutable)Interpreted.Compile(g);
        Compare(Scalar.Compile(g).Run(inputs), interpreted.Run(inputs), what + " (interpreted vs scalar code)", interpreted, exact: true);
        if (crossCheckSystem || CrossCheckEverything)
        {
            var bySystem = System.Compile(g).Run(inputs);
            Compare(actual, bySystem, what + " (FEC vs Expression.Compile)", exe, exact: true);
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

    public static void Compare(Array[] expected, Array[] actual, string what, CpuExecutable? exe = null, bool exact = false)
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
                Assert.Fail($"{what}: output {o}[{i}] expected {e:R}, got {a:R}" + (exe is null ? "" : "\n" + exe.Program));
            }
        }
    }

    private static bool Same(double e, double a, double tol)
    {
        if (e.Equals(a)) return true;   // also NaN == NaN and equal infinities
        if (double.IsNaN(e) || double.IsNaN(a) || double.IsInfinity(e) || double.IsInfinity(a)) return false;
        return Math.Abs(e - a) <= tol * Math.Max(1, Math.Abs(e));
    }
}
