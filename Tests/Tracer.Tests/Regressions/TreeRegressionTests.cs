using static Tracer.Ops;

namespace Tracer.Tests;

public sealed class CyclicNode
{
    public Tensor W { get; set; } = Tensor.Scalar(1f);

    public CyclicNode? Next { get; set; }
}

public sealed class Branchy
{
    public Tensor W { get; set; } = Tensor.Scalar(1f);

    public List<Branchy> Children { get; set; } = [];
}

/// <summary>Regression tests for parameter-tree defects found by outside probing.</summary>
[TestClass]
public class TreeRegressionTests
{
    // A cyclic tree used to recurse until the stack overflowed, which kills the test host: these tests fail by
    // crashing the whole run if the depth check is ever lost.
    [TestMethod]
    public void ACyclicTreeIsAClearErrorNamingThePath()
    {
        var n = new CyclicNode();
        n.Next = n;
        var leaves = Assert.Throws<ArgumentException>(() => Tree.Leaves(n));
        StringAssert.Contains(leaves.Message, "cyclic");
        StringAssert.Contains(leaves.Message, "at Next is the same object as the root");

        var grad = Jit.Grad((CyclicNode m) => Sum(m.W));
        var e = Assert.Throws<ArgumentException>(() => grad(n));
        StringAssert.Contains(e.Message, "cyclic");
        Assert.Throws<ArgumentException>(() => Tree.Structure(n));

        // The same delegate works afterwards on a proper tree (Next = null is not a tree leaf but a null object:
        // use a two-node chain that ends in a node without a successor type instead).
        var ok = new Branchy { W = Tensor.Scalar(3f) };
        var g = Jit.Grad((Branchy m) => Sum(m.W * m.W))(ok);
        Assert.AreEqual(6.0, g.W.Item(), 1e-6);
    }

    [TestMethod]
    public void ACycleDeeperInTheTreeNamesItsPath()
    {
        var root = new Branchy();
        var child = new Branchy();
        var grandchild = new Branchy();
        root.Children.Add(new Branchy());
        root.Children.Add(child);
        child.Children.Add(grandchild);
        grandchild.Children.Add(child);
        var e = Assert.Throws<ArgumentException>(() => Tree.Leaves(root));
        StringAssert.Contains(e.Message, "at Children.1.Children.0.Children.0 is the same object as the one at Children.1");
    }

    [TestMethod]
    public void ADeepButFiniteTreeIsStillATreeAndTooDeepIsAnError()
    {
        var shallow = new Branchy();
        var at = shallow;
        for (int i = 0; i < 100; i++)
        {
            var next = new Branchy();
            at.Children.Add(next);
            at = next;
        }
        Assert.HasCount(101, Tree.Leaves(shallow));

        for (int i = 0; i < 1000; i++)
        {
            var next = new Branchy();
            at.Children.Add(next);
            at = next;
        }
        var e = Assert.Throws<ArgumentException>(() => Tree.Leaves(shallow));
        StringAssert.Contains(e.Message, "nested more than");
        StringAssert.Contains(e.Message, "Children.0.Children.0");
    }

    [TestMethod]
    public void ValueTuplesOfAnyLengthAreTrees()
    {
        Tensor S(double v) => Tensor.Scalar(v);
        var five = (S(1), S(2), S(3), S(4), S(5));
        var g5 = Jit.Grad(((Tensor, Tensor, Tensor, Tensor, Tensor) t) => t.Item1 * t.Item5 + t.Item3)(five);
        Assert.AreEqual(5.0, g5.Item1.Item());
        Assert.AreEqual(1.0, g5.Item3.Item());
        Assert.AreEqual(1.0, g5.Item5.Item());

        var seven = (S(1), S(2), S(3), S(4), S(5), S(6), S(7));
        Assert.HasCount(7, Tree.Leaves(seven));

        // Eight and more items nest the rest in a ValueTuple<T1..T7, TRest>; nine with a static and a list.
        var nine = (S(1), S(2), S(3), S(4), S(5), S(6), S(7), "tag", new List<Tensor> { S(8), S(9) });
        Assert.HasCount(9, Tree.Leaves(nine));
        Assert.AreEqual("(f64[], f64[], f64[], f64[], f64[], f64[], f64[], \"tag\", [f64[], f64[]])", Tree.Structure(nine));
        var doubled = Tree.Map(nine, t => t * 2.0);
        Assert.AreEqual("tag", doubled.Item8);
        Assert.AreEqual(18.0, doubled.Item9[1].Item());
        var g9 = Jit.Grad(((Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, string, List<Tensor>) t) =>
            t.Item7 * t.Item9[1])(nine);
        Assert.AreEqual(9.0, g9.Item7.Item());
        Assert.AreEqual(7.0, g9.Item9[1].Item());
        Assert.AreEqual(0.0, g9.Item1.Item());

        CollectionAssert.AreEqual(new[] { "Item1", "Item2", "Item3", "Item4", "Item5", "Item6", "Item7", "Item9.0", "Item9.1" }, Tree.Paths(nine));
        var sixteen = (S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), S(12), S(13), S(14), S(15), S(16));
        CollectionAssert.AreEqual(Enumerable.Range(1, 16).Select(i => (double)i).ToArray(),
            Tree.Leaves(sixteen).Select(t => t.Item()).ToArray());
        Assert.AreEqual("Item16", Tree.Paths(sixteen)[15]);
    }

    [TestMethod]
    public void TuplesOfDifferentItemsAreDifferentSignatures()
    {
        var f = Jit.Compile(((Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor) t) => t.Item8 + t.Item1);
        Tensor S(double v) => Tensor.Scalar(v);
        Assert.AreEqual(9.0, f((S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8))).Item());
        Assert.AreEqual(12.0, f((S(2), S(2), S(3), S(4), S(5), S(6), S(7), S(10))).Item());
        var v = Tensor.FromArray(new double[] { 1, 2 }, 2);
        CollectionAssert.AreEqual(new double[] { 2, 3 }, f((S(1), S(2), S(3), S(4), S(5), S(6), S(7), v)).ToDoubleArray());
    }
}
