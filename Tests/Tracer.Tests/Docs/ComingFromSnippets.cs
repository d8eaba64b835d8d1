using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Docs;

using Dense = Tracer.Nn.Dense;   // Tracer.Tests has a Dense of its own

// begin-snippet: sine-mlp-model
// A model is a plain record of tensors (a parameter tree): no base class, no registration.
public sealed record SineMlp(Tensor W1, Tensor B1, Tensor W2, Tensor B2)
{
    public Tensor Predict(Tensor x) => MatMul(Tanh(MatMul(x, W1) + B1), W2) + B2;
}
// end-snippet

/// <summary>The code of docs/coming-from-jax.md, coming-from-pytorch.md and coming-from-flux.md, run as tests.</summary>
[TestClass]
public class ComingFromSnippets
{
    [TestMethod]
    public void FitASineWithATwoLayerMlp()
    {
        // begin-snippet: sine-mlp-fit
        // Data: y = sin(x) on 64 points of [-3, 3], as a column.
        var x = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => -3f + 6f * i / 63).ToArray(), 64, 1);
        var y = Sin(x);

        var keys = Prng.Split(Prng.PRNGKey(0), 2);          // explicit PRNG keys, as in JAX
        var model = new SineMlp(
            W1: Init.Normal(keys[0], 1.0, 1, 32), B1: Tensor.Zeros(DType.Float32, 32),
            W2: Init.Normal(keys[1], 0.2, 32, 1), B2: Tensor.Zeros(DType.Float32, 1));

        Func<SineMlp, Tensor, Tensor, Tensor> loss = (m, xb, yb) => Mean(Square(m.Predict(xb) - yb));
        var valueAndGrad = Jit.ValueAndGrad(loss);          // traced once, compiled, cached by signature

        var opt = new Adam(learningRate: 1e-2);
        var state = opt.Init(model);
        for (int step = 0; step < 500; step++)
        {
            var (value, grads) = valueAndGrad(model, x, y);  // grads is a SineMlp too
            (model, state) = opt.Update(model, grads, state); // pure: returns the new model and state
        }
        Console.WriteLine($"final loss {loss(model, x, y).Item():F4}");   // prints final loss 0.00...
        // end-snippet
        Assert.IsLessThan(0.01, loss(model, x, y).Item());
    }

    [TestMethod]
    public void VmapAndPerExampleGradients()
    {
        var model = new SineMlp(Tensor.Ones(DType.Float32, 1, 4), Tensor.Zeros(DType.Float32, 4), Tensor.Ones(DType.Float32, 4, 1), Tensor.Zeros(DType.Float32, 1));
        var xs = Tensor.FromArray(Enumerable.Range(0, 8).Select(i => -1f + 2f * i / 7).ToArray(), 8, 1, 1);
        var ys = Sin(xs);
        // begin-snippet: per-example-grads
        // jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)): the model is shared, the data is mapped over axis 0.
        Func<SineMlp, Tensor, Tensor, Tensor> loss = (m, x, y) => Sum(Square(m.Predict(x) - y));
        var perExample = Jit.Vmap(Jit.Grad(loss), inAxes: [null, 0, 0]);
        SineMlp grads = perExample(model, xs, ys);          // every leaf gains a leading axis of 8
        Console.WriteLine(grads.W1.Shape);                  // prints [8,1,4]
        // end-snippet
        Assert.AreEqual(new Shape(8, 1, 4), grads.W1.Shape);
    }

    [TestMethod]
    public void LayersAndOptimisersLikeFlux()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => -3f + 6f * i / 63).ToArray(), 64, 1);
        var y = Sin(x);
        // begin-snippet: flux-chain
        // Flux: model = Chain(Dense(1 => 32, tanh), Dense(32 => 1)); opt = Optimisers.setup(Adam(0.01), model)
        var keys = Prng.Split(Prng.PRNGKey(1), 2);
        var model = Chain.Of(Dense.Create(keys[0], 1, 32, Activation.Tanh), Dense.Create(keys[1], 32, 1));
        var opt = new Adam(learningRate: 0.01);
        var state = opt.Init(model);

        // Flux: grads = gradient(m -> Flux.mse(m(x), y), model); Optimisers.update!(state, model, grads[1])
        var grad = Jit.Grad((Chain<Dense, Dense> m, Tensor xb, Tensor yb) => Losses.MeanSquaredError(m.Apply(xb), yb));
        for (int epoch = 0; epoch < 300; epoch++)
            (model, state) = opt.Update(model, grad(model, x, y), state);
        // end-snippet
        Assert.IsLessThan(0.05, Losses.MeanSquaredError(model.Apply(x), y).Item());
    }
}
