namespace Tracer;

/// <summary>
/// Operations on parameter trees: a <see cref="Tensor"/>; arrays, <see cref="List{T}"/>, value tuples and
/// <c>Dictionary&lt;string, T&gt;</c> of trees; records and classes whose public properties or fields are trees.
/// Numbers, strings, bools and enums are static leaves: kept as they are, never mapped.
/// </summary>
public static partial class Tree
{
    /// <summary>The tensor leaves of <paramref name="tree"/> in a fixed order (declaration order, sorted dictionary keys).</summary>
    public static Tensor[] Leaves<T>(T tree)
    {
        var leaves = new List<Tensor>();
        TreeAdapter<T>.Instance.Flatten(tree, leaves, null);
        return leaves.ToArray();
    }

    /// <summary>
    /// The path of each tensor leaf, in the order of <see cref="Leaves{T}"/>: member names, list and array indices,
    /// dictionary keys and tuple item names joined by dots, e.g. <c>Layers.0.W</c>. A tree that is a single tensor
    /// has the one path <c>""</c>.
    /// </summary>
    public static string[] Paths<T>(T tree)
    {
        // Flattening first rejects a cyclic tree with a message, before the path walk could recurse without end.
        TreeAdapter<T>.Instance.Flatten(tree, [], null);
        var paths = new List<string>();
        TreeAdapter<T>.Instance.Paths(tree, "", paths);
        return paths.ToArray();
    }

    /// <summary>A tree of <paramref name="template"/>'s structure with <paramref name="leaves"/> in the order of <see cref="Leaves{T}"/>.</summary>
    public static T Unflatten<T>(T template, IReadOnlyList<Tensor> leaves)
    {
        int expected = Leaves(template).Length;
        if (leaves.Count != expected)
            throw new ArgumentException($"Tree.Unflatten: {typeof(T).Name} has {expected} tensor leaves, got {leaves.Count}");
        int pos = 0;
        return TreeAdapter<T>.Instance.Rebuild(template, leaves, ref pos);
    }

    /// <summary>Applies <paramref name="f"/> to every tensor leaf.</summary>
    public static T Map<T>(T tree, Func<Tensor, Tensor> f)
    {
        var leaves = Leaves(tree);
        for (int i = 0; i < leaves.Length; i++) leaves[i] = f(leaves[i]);
        return Unflatten(tree, leaves);
    }

    /// <summary>Combines the leaves of two trees of one structure pairwise.</summary>
    public static T Zip<T>(T a, T b, Func<Tensor, Tensor, Tensor> f)
    {
        var la = Leaves(a);
        var lb = Leaves(b);
        if (la.Length != lb.Length || Structure(a) != Structure(b))
            throw new ArgumentException($"Tree.Zip: the trees differ in structure: {Structure(a)} vs {Structure(b)}");
        for (int i = 0; i < la.Length; i++) la[i] = f(la[i], lb[i]);
        return Unflatten(a, la);
    }

    /// <summary>Moves every tensor leaf to <paramref name="device"/> (see <see cref="Tensor.To"/>).</summary>
    public static T To<T>(T tree, Device device) => Map(tree, t => t.To(device));

    /// <summary>A readable description of the structure and leaf types, e.g. <c>Mlp { W: f32[4,2], b: f32[2] }</c>.</summary>
    public static string Structure<T>(T tree) => TreeAdapter<T>.Instance.Describe(tree);
}
