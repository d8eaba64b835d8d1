using Tracer.Nn;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// The generator inside compiled code: a key passed to a jitted function is traced, and Threefry, split, fold-in
/// and the float transforms in the graph give what the host gives (uniform bits bitwise; normals to rounding).
/// Three ways are compared: the host code, the graph run eagerly or by the interpreter, and the compiled graph.
/// </summary>
[TestClass]
[DoNotParallelize]   // counts compiles in the global cache
public sealed class TracedPrngTests
{
    private static readonly PRNGKey Key = Prng.PRNGKey(20260101);

    private static int[] HostBits(PRNGKey key, int n) => Array.ConvertAll(Prng.Bits(key, n), w => unchecked((int)w));

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(7)]
    [DataRow(64)]
    public void BitsAreBitwiseEqualOnHostEagerGraphInterpreterAndCompiled(int n)
    {
        var host = HostBits(Key, n);
        CollectionAssert.AreEqual(host, Prng.BitsTensor(Key, n).ToInt32Array(), "graph ops run eagerly");
        var f = (PRNGKey k) => Prng.BitsTensor(k, n);
        CollectionAssert.AreEqual(host, Jit.Compile(f)(Key).ToInt32Array(), "compiled");
        var graph = Jit.Trace(f, Key);
        var interpreted = (int[])Compiler.Interpreter.Run(Rules.RuleTable.Default, graph, [Key.Data.ToInt32Array()])[0];
        CollectionAssert.AreEqual(host, interpreted, "interpreter");
    }

    [TestMethod]
    public void KnownAnswer()
    {
        // Threefry-2x32 (20 rounds) test vector of Salmon et al. (Random123's kat_vectors): key (0, 0), counter (0, 0).
        var (y0, y1) = Prng.Threefry2x32(new PRNGKey(0, 0), 0, 0);
        Assert.AreEqual(0x6b200159u, y0);
        Assert.AreEqual(0x99ba4efeu, y1);
        var (a, b) = Prng.Threefry2x32(Tensor.FromArray(new[] { 0, 0 }, 2), Tensor.FromArray(new[] { 0 }, 1), Tensor.FromArray(new[] { 0 }, 1));
        Assert.AreEqual(unchecked((int)0x6b200159u), a.ToInt32Array()[0]);
        Assert.AreEqual(unchecked((int)0x99ba4efeu), b.ToInt32Array()[0]);
    }

    [TestMethod]
    [DataRow(DType.Float32)]
    [DataRow(DType.Float64)]
    public void UniformIsBitwiseEqual(DType dtype)
    {
        var host = Prng.Uniform(Key, dtype, -2, 3, 3, 5).ToDoubleArray();
        var compiled = Jit.Compile((PRNGKey k) => Prng.Uniform(k, dtype, -2, 3, 3, 5))(Key);
        Assert.AreEqual(dtype, compiled.DType);
        CollectionAssert.AreEqual(new[] { 3, 5 }, compiled.Shape.ToArray());
        CollectionAssert.AreEqual(host, compiled.ToDoubleArray());
    }

    [TestMethod]
    [DataRow(DType.Float32, 7)]
    [DataRow(DType.Float64, 8)]
    public void NormalMatchesTheHostToRounding(DType dtype, int n)
    {
        var host = Prng.Normal(Key, dtype, 1.5, 2, n).ToDoubleArray();
        var compiled = Jit.Compile((PRNGKey k) => Prng.Normal(k, dtype, 1.5, 2, n))(Key).ToDoubleArray();
        TestUtil.AssertClose(host, compiled, dtype == DType.Float32 ? 1e-6 : 1e-13, 1e-12, "normal");
    }

    [TestMethod]
    public void SplitAndFoldInInsideTheTrace()
    {
        var hostKeys = Prng.Split(Key, 3);
        var hostFold = Prng.FoldIn(hostKeys[2], 41);
        var f = Jit.Compile((PRNGKey k) =>
        {
            var keys = Prng.Split(k, 3);
            return (keys[0], keys[1], Prng.FoldIn(keys[2], 41));
        });
        var (k0, k1, folded) = f(Key);
        Assert.IsFalse(k0.IsTraced, "keys come back concrete");
        Assert.AreEqual(hostKeys[0], k0);
        Assert.AreEqual(hostKeys[1], k1);
        Assert.AreEqual(hostFold, folded);
        // Fold in a traced step number.
        var byStep = Jit.Compile((PRNGKey k, Tensor step) => Prng.Uniform(Prng.FoldIn(k, step), 4));
        for (int step = 0; step < 3; step++)
            CollectionAssert.AreEqual(Prng.Uniform(Prng.FoldIn(Key, (uint)step), 4).ToFloatArray(), byStep(Key, Tensor.Scalar(step)).ToFloatArray());
    }

    [TestMethod]
    public void BernoulliOnHostAndCompiled()
    {
        var host = Prng.Bernoulli(Key, 0.3, 1000).ToBoolArray();
        var compiled = Jit.Compile((PRNGKey k) => Prng.Bernoulli(k, 0.3, 1000))(Key).ToBoolArray();
        CollectionAssert.AreEqual(host, compiled);
        int ones = host.Count(b => b);
        Assert.IsTrue(ones is > 240 and < 360, $"{ones} of 1000 true for p = 0.3");
    }

    [TestMethod]
    public void KeysAreTracedLeavesNotStatic()
    {
        var f = Jit.Compile((PRNGKey k) => Prng.Uniform(k, 2));
        var keys = Prng.Split(Key, 10);
        var expected = keys.Select(k => Prng.Uniform(k, 2).ToFloatArray()).ToArray();   // host draws first: eager ops count in the cache too
        long misses = Jit.Cache.Misses;
        var actual = keys.Select(k => f(k).ToFloatArray()).ToArray();
        for (int i = 0; i < keys.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i]);
        Assert.AreEqual(1, Jit.Cache.Misses - misses, "one compile for every key");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Jit.Compile((PRNGKey key) => Tensor.Scalar((double)key.High))(Key));
        StringAssert.Contains(e.Message, "this key is traced");
    }

    [TestMethod]
    public void DropoutDrawsItsMaskInTheGraph()
    {
        var drop = new Dropout(0.25);
        var x = Tensor.Ones(DType.Float32, 4, 8);
        var host = drop.Apply(x, Key).ToFloatArray();
        var step = Jit.Compile((Tensor v, PRNGKey k) => drop.Apply(v, k));
        CollectionAssert.AreEqual(host, step(x, Key).ToFloatArray());
        var g = Jit.Trace(step, x, Key);
        Assert.IsFalse(g.Equations.Any(e => e.Op == Compiler.OpCode.Constant && e.DType.IsFloat()), "no baked-in mask (the only constants are the i32 counters):\n" + g);
    }

    [TestMethod]
    public void VmapOverKeys()
    {
        var keys = Prng.Split(Key, 4);
        var stacked = Stack(0, keys.Select(k => k.Data).ToArray());
        var draw = Jit.Vmap((Tensor k) => Prng.Normal(PRNGKey.FromData(k), DType.Float64, 0, 1, 3));
        var batched = draw(stacked).ToDoubleArray();
        var expected = keys.SelectMany(k => Prng.Normal(k, DType.Float64, 0, 1, 3).ToDoubleArray()).ToArray();
        TestUtil.AssertClose(expected, batched, 1e-13, 1e-13, "vmapped normals");
    }
}
