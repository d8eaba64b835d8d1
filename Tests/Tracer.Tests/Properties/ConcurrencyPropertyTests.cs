using CsCheck;
using static Tracer.Ops;

namespace Tracer.Tests.Properties;

/// <summary>
/// Many threads first-call (cold cache: several trace and compile the same signature at once) and then hammer
/// delegates of mixed signatures (shapes, dtypes, transforms); every result must be bitwise equal to the result of
/// the same call made by one thread on freshly built delegates.
/// </summary>
[TestClass]
public class ConcurrencyPropertyTests
{
    private static Func<Tensor, Tensor>[] NewDelegates() =>
    [
        Jit.Compile((Tensor x) => Sum(Tanh(x) * Sin(x), 0)),
        Jit.Grad((Tensor x) => Sum(Softplus(x) * x)),
        Jit.Vmap((Tensor x) => Softmax(x, 0)),
        Jit.Compile((Tensor x) => MatMul(Transpose(x), x) + 1),
        Jit.Grad((Tensor x) => Mean(Square(MatMul(x, Transpose(x))))),
    ];

    private static Tensor[] Inputs(int seed)
    {
        var rng = new Random(seed);
        Tensor R(DType t, params int[] shape) => TestUtil.Random(rng, t, -2, 2, shape);
        return [R(DType.Float32, 3, 4), R(DType.Float64, 3, 4), R(DType.Float32, 64, 33), R(DType.Float64, 5, 2), R(DType.Float32, 200, 40)];
    }

    [TestMethod]
    [Timeout(600_000)]
    public void ManyThreadsGetWhatOneThreadGets() => PropertyRuns.Check(Gen.Int[0, 1_000_000], seed =>
    {
        var inputs = Inputs(seed);
        var shared = NewDelegates();
        int threads = 6, rounds = 3;
        var results = new byte[threads][][];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                var order = new Random(seed + id);
                results[id] = new byte[shared.Length * inputs.Length][];
                start.SignalAndWait();
                for (int r = 0; r < rounds; r++)
                {
                    // Each thread walks the (delegate, input) pairs in its own random order, so first calls race.
                    foreach (int k in Enumerable.Range(0, results[id].Length).OrderBy(_ => order.Next()))
                    {
                        var bytes = Bytes(shared[k / inputs.Length](inputs[k % inputs.Length]));
                        if (results[id][k] is { } earlier) CollectionAssert.AreEqual(earlier, bytes, $"thread {id} round {r} call {k}");
                        results[id][k] = bytes;
                    }
                }
            });
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();

        var single = NewDelegates();
        for (int k = 0; k < results[0].Length; k++)
        {
            var expected = Bytes(single[k / inputs.Length](inputs[k % inputs.Length]));
            for (int t = 0; t < threads; t++) CollectionAssert.AreEqual(expected, results[t][k], $"thread {t}, call {k}, seed {seed}");
        }
    }, ciRuns: 2, exploreDivisor: 1000);

    private static byte[] Bytes(Tensor t) => t.DType == DType.Float32
        ? Array.ConvertAll(t.ToFloatArray(), BitConverter.SingleToInt32Bits).SelectMany(BitConverter.GetBytes).ToArray()
        : Array.ConvertAll(t.ToDoubleArray(), BitConverter.DoubleToInt64Bits).SelectMany(BitConverter.GetBytes).ToArray();
}
