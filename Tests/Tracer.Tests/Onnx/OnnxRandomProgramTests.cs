using static Tracer.Ops;
using static Tracer.Tests.Onnx.OnnxTestUtil;

namespace Tracer.Tests.Onnx;

/// <summary>
/// Random programs over the primitives the exporter maps, and their gradients: ONNX Runtime must agree with
/// Tracer's eager evaluation. Each program draws its operations from a seeded generator, so tracing and the eager
/// run make the same choices.
/// </summary>
[TestClass]
public class OnnxRandomProgramTests
{
    private static Tensor Step(Random rng, Tensor a, Tensor b)
    {
        // a and b are f64 [3, 4]; every step returns f64 [3, 4] so steps compose freely.
        switch (rng.Next(16))
        {
            case 0: return Exp(Tanh(a)) + Log1p(Abs(b));
            case 1: return Sqrt(Abs(a) + 0.1) * Rsqrt(Abs(b) + 1.0);
            case 2: return Sin(a) - Cos(b) + Expm1(Tanh(a));
            case 3: return Maximum(a, b) - Minimum(a, 0.5) + Sigmoid(b);
            case 4: return a / (Abs(b) + 1.0) + Pow(Abs(a) + 0.5, Tanh(b));
            case 5: return Where(Greater(a, b), a, -b) + Cast(LessEqual(a, 0.0), DType.Float64);
            case 6: return Reshape(Transpose(a), 3, 4) + b;
            case 7: return BroadcastTo(Sum(a, 0), 3, 4) + BroadcastTo(Reshape(Max(b, 1), 3, 1), 3, 4);
            case 8: return BroadcastTo(Reshape(Min(a, 1) * Prod(Tanh(b) + 1.0, 1), 3, 1), 3, 4);
            case 9: return Concat(1, Slice(a, [0, 0], [3, 2]), Slice(b, [0, 1], [3, 3]));
            case 10: return MatMul(MatMul(a, Transpose(b)), a) / 10.0;
            case 11: return Take(a, Tensor.FromArray(new[] { 2, 0, 1 }, 3), 0) * Take(b, Tensor.FromArray(new[] { 3, 3, 0, 1 }, 4), 1);
            case 12: return Softmax(a, 1) + LogSoftmax(b, 0);
            case 13: return Sign(a) * Square(b) + Neg(Abs(a));
            case 14: return Clamp(a * 3.0, -1, 1) + Mean(b, 1, keepDims: true);
            default: return Reshape(Slice(Stack(0, a, b), [1, 0, 0], [2, 3, 4]), 3, 4) * 0.5 + Tan(Tanh(a));
        }
    }

    private static Func<Tensor, Tensor, Tensor[]> Program(int seed) => (x, y) =>
    {
        var rng = new Random(seed);
        var values = new List<Tensor> { x, y };
        for (int i = 0; i < 6; i++) values.Add(Step(rng, values[rng.Next(values.Count)], values[rng.Next(values.Count)]));
        return [values[^1], Sum(values[^2]), Cast(Greater(values[^1], values[^3]), DType.Int32)];
    };

    [TestMethod]
    public void RandomProgramsAndTheirGradientsAgreeWithOnnxRuntime()
    {
        for (int seed = 0; seed < 12; seed++)
        {
            var rng = new Random(1000 + seed);
            var x = TestUtil.Random(rng, DType.Float64, -2, 2, 3, 4);
            var y = TestUtil.Random(rng, DType.Float64, -2, 2, 3, 4);
            var f = Program(seed);
            string file = TempFile($"random-{seed}.onnx");
            Tracer.Onnx.Export(f, file, x, y);
            var outputs = Run(file, ("input0", x), ("input1", y));
            var expected = f(x, y);
            Assert.HasCount(expected.Length, outputs);
            // 1e-6: the CPU backend's vectorised transcendentals and ONNX Runtime's differ in the last bits; a wrong
            // mapping is off by far more.
            for (int i = 0; i < expected.Length; i++) AssertClose(expected[i], outputs[i], 1e-6, $"seed {seed}, output {i}");

            Func<Tensor, Tensor, Tensor> loss = (a, b) => Sum(Tanh(f(a, b)[0]));
            var grad = Jit.Grad(loss);
            file = TempFile($"random-grad-{seed}.onnx");
            Tracer.Onnx.Export(grad, file, x, y);
            AssertClose(grad(x, y), Run(file, ("input0", x), ("input1", y))[0], 1e-6, $"seed {seed}, gradient");
        }
    }
}
