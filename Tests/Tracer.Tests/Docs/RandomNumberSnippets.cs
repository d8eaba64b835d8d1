using Tracer.Nn;
using static Tracer.Ops;

namespace Tracer.Snippets;   // outside Tracer.Tests, whose test record named Dense would hide the layer

/// <summary>The code of docs/random-numbers.md, run as tests.</summary>
[TestClass]
[DoNotParallelize]   // counts compiles in the global cache
public class RandomNumberSnippets
{
    // begin-snippet: random-model
    // A small regression network with dropout between its layers; the key is an argument of Forward.
    public sealed record Mlp(Dense Hidden, Dense Output, Dropout Drop)
    {
        public Tensor Forward(Tensor x, PRNGKey key) => Output.Apply(Drop.Apply(Hidden.Apply(x), key));

        public Tensor Predict(Tensor x) => Output.Apply(Hidden.Apply(x));   // test time: dropout is the identity
    }
    // end-snippet

    [TestMethod]
    public void KeysAsArguments()
    {
        // begin-snippet: random-keys-as-arguments
        var key = Prng.PRNGKey(7);
        // The key is a traced argument (its two words, an i32[2]): one compile serves every key.
        var addNoise = Jit.Compile((Tensor x, PRNGKey k) => x + Prng.Normal(k, DType.Float32, 0, 0.1, x.Shape.ToArray()));
        var x = Tensor.Zeros(DType.Float32, 3);
        Console.WriteLine(addNoise(x, key).Shape);                        // prints [3]

        // The graph computes the same Threefry bits as the host: compiled draws equal host draws.
        var uniform = Jit.Compile((PRNGKey k) => Prng.Uniform(k, 4));
        var inGraph = uniform(key).ToFloatArray();
        var onHost = Prng.Uniform(key, 4).ToFloatArray();
        Console.WriteLine(inGraph.SequenceEqual(onHost));                 // prints True
        // end-snippet
    }

    [TestMethod]
    public void SplitAndFoldIn()
    {
        // begin-snippet: random-split-fold-in
        // Derive keys inside the compiled function: fold in a step number, then split.
        var sample = Jit.Compile((PRNGKey k, Tensor step) =>
        {
            var keys = Prng.Split(Prng.FoldIn(k, step), 2);
            return (Noise: Prng.Normal(keys[0], 2), Coin: Prng.Bernoulli(keys[1], 0.5, 2));
        });
        var key = Prng.PRNGKey(0);
        var (noise, coin) = sample(key, Tensor.Scalar(3));
        // The host does the same derivation with the same result.
        var hostKeys = Prng.Split(Prng.FoldIn(key, 3), 2);
        Console.WriteLine(noise.ToFloatArray().SequenceEqual(Prng.Normal(hostKeys[0], 2).ToFloatArray()));   // prints True
        Console.WriteLine(coin.ToBoolArray().SequenceEqual(Prng.Bernoulli(hostKeys[1], 0.5, 2).ToBoolArray()));   // prints True
        // end-snippet
    }

    [TestMethod]
    public void DropoutInAJittedStep()
    {
        // begin-snippet: random-dropout-step
        // Noisy samples of sin(2x) on [-2, 2].
        var dataKeys = Prng.Split(Prng.PRNGKey(5), 2);
        var xs = Prng.Uniform(dataKeys[0], DType.Float32, -2, 2, 128, 1);
        var ys = Sin(xs * 2.0) + Prng.Normal(dataKeys[1], DType.Float32, 0, 0.05, 128, 1);

        var initKeys = Prng.Split(Prng.PRNGKey(6), 2);
        var model = new Mlp(Dense.Create(initKeys[0], 1, 32, Activation.Tanh), Dense.Create(initKeys[1], 32, 1), new Dropout(0.1));

        var valueAndGrad = Jit.ValueAndGrad((Mlp m, Tensor x, Tensor y, PRNGKey k) => Mean(Square(m.Forward(x, k) - y)));
        // One compiled step: the key and the learning rate are traced arguments, so neither recompiles.
        var step = Jit.Compile(((Mlp Model, PRNGKey Key) s, Tensor x, Tensor y, double learningRate) =>
        {
            var keys = Prng.Split(s.Key);                                  // one key for this step, one to carry on
            var (loss, grads) = valueAndGrad(s.Model, x, y, keys[0]);
            var next = Tree.Zip(s.Model, grads, (p, g) => p - learningRate * g);
            return (State: (next, keys[1]), Loss: loss);
        });

        int compiles = 0;
        Action<CacheMiss> count = e => compiles += e.Function.StartsWith("Compile(", StringComparison.Ordinal) ? 1 : 0;
        Jit.Cache.Miss += count;
        var state = (Model: model, Key: Prng.PRNGKey(42));
        double first = 0, last = 0;
        for (int i = 0; i < 1000; i++)
        {
            double learningRate = 0.3 * Math.Pow(0.999, i);                // a decaying schedule
            var (next, loss) = step(state, xs, ys, learningRate);
            state = next;
            if (i == 0) first = loss.Item();
            last = loss.Item();
        }
        Jit.Cache.Miss -= count;
        Console.WriteLine($"compiled {compiles} time(s) for 1000 steps");  // prints compiled 1 time(s) for 1000 steps
        Console.WriteLine($"training loss {first:F3} -> {last:F3}");
        var test = Mean(Square(state.Model.Predict(xs) - ys)).Item();
        Console.WriteLine($"test-mode loss {test:F3}");
        // end-snippet
        Assert.AreEqual(1, compiles, "one compile for the whole schedule and every key");
        Assert.IsTrue(last < first / 2, $"the loss falls: {first} -> {last}");
        Assert.IsTrue(test < first / 5, $"test-mode fit: {test} (first training loss {first})");
    }
}

/// <summary>The traced-numbers snippet of docs/tracing-and-cache.md, run as a test.</summary>
[TestClass]
[DoNotParallelize]   // counts compiles in the global cache
public class TracedNumberSnippets
{
    [TestMethod]
    public void LearningRateSchedule()
    {
        // begin-snippet: traced-numbers
        var w = Tensor.FromArray(new float[] { 1, -2, 3 }, 3);
        // The gradient of Sum(p^2) is 2p. (Not `learningRate * 2.0 * p`: that multiplies the number in C# first.)
        var sgdStep = Jit.Compile((Tensor p, double learningRate) => p - learningRate * (2.0 * p));
        var scaled = Jit.Compile((Tensor p, Static<double> scale) => p * scale.Value);

        int misses = 0;
        Action<CacheMiss> count = e => misses++;
        Jit.Cache.Miss += count;
        for (int i = 0; i < 50; i++) w = sgdStep(w, 0.1 * Math.Pow(0.9, i));   // 50 learning rates
        Console.WriteLine($"{misses} compile for 50 learning rates");         // prints 1 compile for 50 learning rates
        Console.WriteLine(w.Type);                                             // prints f32[3]
        scaled(w, Static.Of(2.0));
        scaled(w, Static.Of(3.0));
        Jit.Cache.Miss -= count;
        Console.WriteLine($"{misses} compiles in all");                       // prints 3 compiles in all
        // end-snippet
    }
}
