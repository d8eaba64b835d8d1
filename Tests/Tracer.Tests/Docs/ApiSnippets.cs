using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/api.md, run as tests.</summary>
[TestClass]
public class ApiSnippets
{
    // begin-snippet: api-custom-rule
    static readonly Func<Tensor, Tensor> MySoftplus = Rule.Define("my_softplus", x =>
    {
        var y = Log1p(Exp(x));
        return (y, dy => dy * Sigmoid(x));   // the pullback: output cotangent to input cotangent
    });
    // end-snippet

    [TestMethod]
    public void Tensors()
    {
        // begin-snippet: api-tensors
        Tensor x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);   // copies; f32[2,3]
        Tensor d = Tensor.FromArray(new double[] { 1, 2 }, 2);                  // f64[2]
        Tensor i = Tensor.FromArray(new int[] { 0, 2 }, 2);                     // i32[2]
        Tensor s = Tensor.Scalar(3f);                                          // f32[]
        Tensor z = Tensor.Zeros(DType.Float32, 4, 4);  // also Ones(dtype, shape), Full(dtype, value, shape)
        float[] a = x.ToFloatArray();                  // ToDoubleArray, ToInt32Array, ToBoolArray
        double v = s.Item();                           // one-element tensors only
        // end-snippet
        Assert.AreEqual("f32[2,3] [[1, 2, 3], [4, 5, 6]]", x.ToString());
        Assert.AreEqual(DType.Float64, d.DType);
        Assert.AreEqual(DType.Int32, i.DType);
        Assert.AreEqual(new Shape(4, 4), z.Shape);
        Assert.HasCount(6, a);
        Assert.AreEqual(3.0, v);
    }

    public sealed record Mlp(Tensor W, Tensor B)
    {
        public Tensor Predict(Tensor x) => MatMul(x, W) + B;
    }

    [TestMethod]
    public void TransformationsAndTraining()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 4);
        // begin-snippet: api-jit
        Func<Tensor, Tensor> f = x => Sum(Tanh(x) * Sin(x) + x * x);
        Func<Tensor, Tensor> df = Jit.Grad(f);                        // gradient w.r.t. the first argument
        Func<Tensor, (Tensor Value, Tensor Grad)> vg = Jit.ValueAndGrad(f);
        Func<Tensor, Tensor> fast = Jit.Compile(f);                   // compiled, not differentiated
        Func<Mlp, Tensor, Tensor, Mlp> dloss = Jit.Grad((Mlp p, Tensor x, Tensor y) => Mean(Square(p.Predict(x) - y)));
        // end-snippet
        Assert.AreEqual(f(x).Item(), fast(x).Item(), 1e-4);
        CollectionAssert.AreEqual(df(x).ToFloatArray(), vg(x).Grad.ToFloatArray());

        var model = new Mlp(Tensor.Ones(DType.Float32, 4, 1), Tensor.Zeros(DType.Float32, 1));
        var xs = Tensor.Ones(DType.Float32, 3, 4);
        var ys = Tensor.Zeros(DType.Float32, 3, 1);
        var grads = dloss(model, xs, ys);
        // begin-snippet: api-training
        var opt = new Adam(learningRate: 1e-3);
        var state = opt.Init(model);
        (model, state) = opt.Update(model, grads, state);   // pure; returns new trees
        // end-snippet
        Assert.IsLessThan(1f, model.W.ToFloatArray()[0]);
        Assert.AreEqual(1.0, MySoftplus(Tensor.Scalar(0.0)).Item() / Math.Log(2), 1e-12);

        // begin-snippet: api-inspection
        Graph g = Jit.Trace(f, x);     // the traced graph (for a Jit.Grad delegate, the differentiated one)
        Console.WriteLine(g);          // jaxpr-like text
        string dot = g.ToDot();        // Graphviz
        Console.WriteLine($"{Jit.Cache.Count} entries, {Jit.Cache.Hits} hits, {Jit.Cache.Misses} misses");
        // end-snippet
        StringAssert.Contains(dot, "digraph");
    }
}
