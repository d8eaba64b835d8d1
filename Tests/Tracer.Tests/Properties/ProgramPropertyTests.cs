using CsCheck;
using static Tracer.Ops;

namespace Tracer.Tests.Properties;

/// <summary>
/// Random programs (<see cref="RandomProgram"/>): the compiled value (and the eager one) equals the reference
/// interpreter run on the traced graph;
/// gradients (through a dictionary tree holding the input and a scalar) equal float64 central differences; the
/// program under Vmap equals a loop over the examples. CsCheck shrinks a failure to the shortest program and
/// smallest shape and prints it with its seed.
/// </summary>
[TestClass]
public class ProgramPropertyTests
{
    public static readonly Gen<RandomProgram> Programs =
        Gen.Select(
            Gen.Int[1, 4].Array[0, 3],
            Gen.Select(Gen.Int[0, RandomProgram.OpCount - 1], Gen.Int[0, 999]).Array[1, 6],
            Gen.Int[0, 1_000_000],
            (shape, steps, seed) => new RandomProgram(shape, steps, seed));

    private static void Sample(Action<RandomProgram> property, int ciRuns) =>
        PropertyRuns.Check(Programs, property, ciRuns);

    [TestMethod]
    [Timeout(600_000)]
    public void CompiledValueEqualsTheReference() => Sample(p =>
    {
        var x = p.Input();
        Func<Tensor, Tensor, Tensor> f = (a, s) => p.Run(a, s);
        // The oracle: the traced graph evaluated by the reference interpreter, primitive by primitive.
        var graph = Jit.Trace(f, x, RandomProgram.S);
        var reference = Compiler.Interpreter.Run(Rules.RuleTable.Default, graph, [x.ToDoubleArray(), RandomProgram.S.ToDoubleArray()])[0];
        var compiled = Jit.Compile(f)(x, RandomProgram.S);
        var eager = f(x, RandomProgram.S);
        Assert.AreEqual(graph.Outputs[0].Shape, compiled.Shape, p.ToString());
        Assert.AreEqual(compiled.Shape, eager.Shape, p.ToString());
        var expected = (double[])reference;
        TestUtil.AssertClose(expected, compiled.ToDoubleArray(), 1e-9, 1e-12, $"compiled: {p}");
        TestUtil.AssertClose(expected, eager.ToDoubleArray(), 1e-9, 1e-12, $"eager: {p}");
    }, ciRuns: 150);

    [TestMethod]
    [Timeout(600_000)]
    public void GradientsEqualCentralDifferences() => Sample(p =>
    {
        Func<Dictionary<string, Tensor>, Tensor> loss = d => Sum(Sin(p.Run(d["x"], d["s"])));
        var tree = new Dictionary<string, Tensor> { ["x"] = p.Input(), ["s"] = RandomProgram.S };
        var g = Jit.Grad(loss)(tree);
        var numericX = TestUtil.NumericGrad(x => loss(new() { ["x"] = x, ["s"] = RandomProgram.S }).Item(), tree["x"]);
        TestUtil.AssertClose(numericX, g["x"].ToDoubleArray(), 1e-4, 1e-6, $"d/dx of {p}");
        // (NumericGrad rebuilds a scalar as shape [1]: reshape it back, or a scalar-only step would see a vector.)
        var numericS = TestUtil.NumericGrad(s => loss(new() { ["x"] = tree["x"], ["s"] = Reshape(s) }).Item(), RandomProgram.S);
        TestUtil.AssertClose(numericS, g["s"].ToDoubleArray(), 1e-4, 1e-6, $"d/ds of {p}");
    }, ciRuns: 100);

    [TestMethod]
    [Timeout(600_000)]
    public void VmapEqualsALoopOverExamples() => Sample(p =>
    {
        const int batch = 3;
        var xs = p.Input(batch);
        var batched = Jit.Vmap((Tensor a) => p.Run(a, RandomProgram.S))(xs);
        var examples = new Tensor[batch];
        for (int b = 0; b < batch; b++) examples[b] = p.Run(Example(xs, b), RandomProgram.S);
        var looped = Stack(0, examples);
        Assert.AreEqual(looped.Shape, batched.Shape, p.ToString());
        TestUtil.AssertClose(looped.ToDoubleArray(), batched.ToDoubleArray(), 1e-9, 1e-12, $"vmap of {p}");
    }, ciRuns: 100);

    /// <summary>Example <paramref name="b"/> of a batch on axis 0.</summary>
    private static Tensor Example(Tensor xs, int b)
    {
        var starts = new int[xs.Shape.Rank];
        var ends = xs.Shape.ToArray();
        starts[0] = b;
        ends[0] = b + 1;
        return Reshape(Slice(xs, starts, ends), xs.Shape.ToArray()[1..]);
    }
}
