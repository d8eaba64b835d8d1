using System.Text;

namespace Tracer;

/// <summary>
/// The nesting limit of parameter trees. Walking a tree recurses once per level, so a tree that refers back to
/// itself (<c>n.Next = n</c>) would recurse until the stack overflows and the process dies. Object adapters compare
/// a depth counter against <see cref="Max"/> (one integer compare per object on the hot path); only when it is
/// exceeded is the path to the offending member collected, by exception filters on the way out, for the message.
/// </summary>
internal static class TreeDepth
{
    /// <summary>No legitimate model nests this deep; the recursion it allows fits a 256 KiB thread stack.</summary>
    public const int Max = 500;
}

/// <summary>
/// A parameter tree that is cyclic or nested deeper than <see cref="TreeDepth.Max"/>. Each container on the way
/// out records its step (member name, index or key) and the object it belongs to from an exception filter that
/// returns false, so nothing is caught or rethrown and the cost is one entry per level. The message is built when
/// read, from the complete path: it names the path from the root to the first object met twice.
/// </summary>
internal sealed class TreeDepthException(string rootType) : ArgumentException
{
    // Innermost first: filters run from the throwing frame outwards.
    private readonly List<(string Step, object? Owner)> path = [];
    private string rootType = rootType;
    private string? message;

    /// <summary>Records a member step; always false, so the filter never catches.</summary>
    public bool Enter(string member, object? owner) => Add("." + member, owner);

    public bool Enter(int index, object? owner) => Add("." + index.ToString(System.Globalization.CultureInfo.InvariantCulture), owner);

    /// <summary>A dictionary key step.</summary>
    public bool EnterKey(string key, object? owner) => Add("." + key, owner);

    private bool Add(string step, object? owner)
    {
        path.Add((step, owner));
        if (owner is not null) rootType = owner.GetType().Name;
        message = null;
        return false;
    }

    public override string Message => message ??= Build();

    private string Build()
    {
        // Root first: owners[k] is the object reached by the first k steps.
        int n = path.Count;
        var steps = new string[n];
        var owners = new object?[n];
        for (int k = 0; k < n; k++) (steps[k], owners[k]) = path[n - 1 - k];
        for (int j = 1; j < n; j++)
        {
            if (owners[j] is null || owners[j]!.GetType().IsValueType) continue;
            for (int i = 0; i < j; i++)
            {
                if (!ReferenceEquals(owners[i], owners[j])) continue;
                return $"parameter tree {rootType}: the tree is cyclic: the {owners[j]!.GetType().Name} at {PathOf(steps, j)} is the " +
                    $"same object as {(i == 0 ? "the root" : "the one at " + PathOf(steps, i))}, so flattening it would never end. A " +
                    "parameter tree must not refer back to itself: break the cycle (keep back references out of public " +
                    "properties and fields) or pass the tensors in a separate tree.";
            }
        }
        return $"parameter tree {rootType}: it is nested more than {TreeDepth.Max} levels deep (at {PathOf(steps, n, limit: 12)}); " +
            "flatten the structure into a list or dictionary of layers";
    }

    /// <summary>The first <paramref name="count"/> steps as a path such as <c>Next.Next</c> or <c>Layers.0.W</c> (as <see cref="Tree.Paths{T}"/> names leaves).</summary>
    private static string PathOf(string[] steps, int count, int limit = int.MaxValue)
    {
        var sb = new StringBuilder();
        for (int k = 0; k < count; k++)
        {
            if (k == limit && count > 2 * limit)
            {
                sb.Append(".…");
                k = count - limit;
            }
            sb.Append(steps[k]);
        }
        return sb.Length > 0 && sb[0] == '.' ? sb.ToString(1, sb.Length - 1) : sb.ToString();
    }
}
