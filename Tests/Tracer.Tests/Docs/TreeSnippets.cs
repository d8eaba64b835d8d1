using static Tracer.Ops;

namespace Tracer.Tests.Docs;

// begin-snippet: recommender-model
// A recommender: one embedding table per categorical feature, a user tower and a bias.
// Records are parameter trees; the string is a static leaf (part of the cache key, never differentiated).
public sealed record Tower(Tensor W, Tensor B, string Activation);

public sealed record Ratings(Tensor Genre, Tensor Decade, Tensor Users, Tensor Stars);

public sealed record Recommender(Dictionary<string, Tensor> Embeddings, Tower User, Tensor Bias)
{
    public Tensor Score(Tensor genre, Tensor decade, Tensor userFeatures)
    {
        var item = Take(Embeddings["genre"], genre, 0) + Take(Embeddings["decade"], decade, 0);   // [batch, 4]
        var u = MatMul(userFeatures, User.W) + User.B;
        var user = User.Activation == "tanh" ? Tanh(u) : Relu(u);                                    // [batch, 4]
        return Sum(item * user, 1) + Bias;
    }
}
// end-snippet

/// <summary>The code of docs/parameter-trees.md, run as tests.</summary>
[TestClass]
public class TreeSnippets
{
    [TestMethod]
    public void TrainRecommender()
    {
        // begin-snippet: recommender-train
        var rng = new Random(7);
        Tensor Init(params int[] shape) => Tensor.FromArray(
            Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray(), shape);
        var model = new Recommender(
            new Dictionary<string, Tensor> { ["genre"] = Init(6, 4), ["decade"] = Init(8, 4) },
            new Tower(Init(3, 4), Tensor.Zeros(DType.Float32, 4), "tanh"),
            Tensor.Scalar(0f));

        var batch = new Ratings(
            Genre: Tensor.FromArray(new[] { 0, 3, 5, 1 }, 4),
            Decade: Tensor.FromArray(new[] { 7, 2, 2, 0 }, 4),
            Users: Init(4, 3),
            Stars: Tensor.FromArray(new float[] { 4, 2, 5, 3 }, 4));

        // The model is differentiated; the batch (a tree too) is data.
        Func<Recommender, Ratings, Tensor> loss = (m, b) => Mean(Square(m.Score(b.Genre, b.Decade, b.Users) - b.Stars));
        var step = Jit.ValueAndGrad(loss);
        for (int i = 0; i < 300; i++)
        {
            var (value, grads) = step(model, batch);                          // grads is a Recommender too
            model = Tree.Zip(model, grads, (p, g) => p - g * 0.05);             // SGD over every leaf
        }
        Console.WriteLine(Tree.Structure(model));
        // Recommender { Embeddings: {decade: f32[8,4], genre: f32[6,4]}, User: Tower { W: f32[3,4], B: f32[4], Activation: "tanh" }, Bias: f32[] }
        // end-snippet
        Assert.IsTrue(loss(model, batch).Item() < 0.5);
        Assert.AreEqual("tanh", model.User.Activation);
    }
}
