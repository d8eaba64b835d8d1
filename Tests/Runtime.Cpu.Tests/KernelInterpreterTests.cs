using Tracer.Compiler;
using Tracer.Runtime.Cpu;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// The kernel interpreter, which runs the small kernels of large programs without generating code. Every
/// <see cref="Harness.Check(Graph, Array[], string, bool)"/> case also runs fully interpreted and must equal scalar
/// generated code bit for bit; these tests cover the policy, the errors and the printed program.
/// </summary>
[TestClass]
public sealed class KernelInterpreterTests
{
    /// <summary>A chain of <paramref name="steps"/> reductions and broadcasts: about five small kernels per step.</summary>
    internal static Graph ReductionChain(int steps) => Build(T(DType.Float32, 6), x =>
    {
        Node y = x;
        for (int i = 0; i < steps; i++)
        {
            var mean = Ir.Div(Ir.ReduceSum(y, 0), Ir.Lit(6, DType.Float32));
            y = Ir.Add(Ir.Sub(Ir.Sin(y), Ir.Broadcast(mean, new Shape(6))), Ir.Broadcast(Ir.ReduceMax(Ir.Abs(y), 0), new Shape(6)));
        }
        return y;
    });

    [TestMethod]
    public void SmallKernelsOfALargeProgramAreInterpretedAndComputeWhatCompiledCodeDoes()
    {
        var g = ReductionChain(100);
        var exe = (CpuExecutable)Fast.Compile(g);
        int interpreted = exe.CompiledBy.Count(c => c == CpuCompiler.Interpreted);
        Assert.AreEqual(exe.Program.Kernels.Count, interpreted, "every kernel of this program is small");
        var compiled = (CpuExecutable)new CpuBackend(new CpuBackendOptions { InterpretBelowWork = 0 }).Compile(g);
        Assert.IsFalse(compiled.CompiledBy.Contains(CpuCompiler.Interpreted), "InterpretBelowWork = 0 compiles everything");
        var input = new Array[] { new float[] { 0.1f, -0.2f, 0.3f, 0.5f, -0.7f, 0.9f } };
        Compare(compiled.Run(input), exe.Run(input), "100-step reduction chain", exe, exact: true);
        Check(g, input, "100-step reduction chain");
    }

    [TestMethod]
    public void SmallProgramsAndLargeKernelsAreCompiled()
    {
        var small = (CpuExecutable)Fast.Compile(ReductionChain(3));
        Assert.IsFalse(small.CompiledBy.Contains(CpuCompiler.Interpreted), "a program of a few kernels compiles all of them");
        var big = Build(T(DType.Float32, 10000), x => Ir.Sin(x));
        var exe = (CpuExecutable)new CpuBackend(new CpuBackendOptions { InterpretFromKernels = 0 }).Compile(big);
        Assert.AreEqual(CpuCompiler.Fast, exe.CompiledBy[0], "10,000 points of work are above InterpretBelowWork");
    }

    [TestMethod]
    public void AnInterpretedGatherOutOfRangeThrowsWhatCompiledCodeThrows()
    {
        var g = Build([T(DType.Float32, 3), T(DType.Int32, 2)], xs => [Ir.Gather(xs[0], xs[1], 0)]);
        var exe = (CpuExecutable)Interpreted.Compile(g);
        Assert.AreEqual(CpuCompiler.Interpreted, exe.CompiledBy[^1]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => exe.Run([new float[3], new[] { 0, 3 }]));
        StringAssert.Contains(e.Message, "gather on axis 0 of f32[3] with indices i32[2]: index 3 is out of range for an axis of size 3");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => exe.Run([new float[3], new[] { -1, 0 }]));
        CollectionAssert.AreEqual(new float[] { 2, 1 }, (float[])exe.Run([new float[] { 1, 2, 3 }, new[] { 1, 0 }])[0], "the executable works afterwards");
    }

    [TestMethod]
    public void DescribeMarksInterpretedKernelsAndPrintsTheirIr()
    {
        var exe = (CpuExecutable)Interpreted.Compile(Build(T(DType.Float64, 4), x => Ir.ReduceSum(Ir.Exp(x), 0)));
        var text = exe.Describe();
        StringAssert.Contains(text, "(interpreted)");
        StringAssert.Contains(text, "reduce_sum over last 1");
    }

    [TestMethod]
    public void IntegerAndBoolKernelsAndAccumulationsAreInterpretedExactly()
    {
        var rng = new Random(31);
        var g = Build([T(DType.Int32, 3, 4), T(DType.Float32, 5, 2), T(DType.Int32, 7)], xs =>
        [
            Ir.ReduceMax(Ir.Mul(xs[0], xs[0]), 1),
            Ir.Select(Ir.Gt(Ir.ReduceSum(xs[1], 1), Ir.Lit(0, DType.Float32)), Ir.ReduceMin(xs[1], 1), Ir.Neg(Ir.ReduceProd(xs[1], 1))),
            Ir.ScatterAdd(Ir.Gather(xs[1], xs[2], 0), xs[2], 0, new Shape(5, 2)),
            Ir.ReduceSum(xs[1], 0),
        ]);
        Check(g, [Random(rng, T(DType.Int32, 3, 4), -9, 9), Random(rng, T(DType.Float32, 5, 2)), new[] { 4, 0, 0, 2, 1, 4, 3 }], "ints, bools, accumulations");
    }
}
