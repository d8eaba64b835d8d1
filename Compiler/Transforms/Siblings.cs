namespace Tracer.Compiler;

/// <summary>
/// Groups the equations of a graph that stand for the results of one control-flow construct: same definition
/// (<see cref="Attrs.Control"/>, by reference) and the same input values. Transforms handle each group as one unit.
/// </summary>
public static class Siblings
{
    /// <summary>
    /// For each control-flow equation (indexed by node id) the equations of its construct in graph order; null for
    /// every other node. Every member of a group shares the same array.
    /// </summary>
    public static Node[]?[] Of(Graph graph)
    {
        var groups = new Node[]?[graph.IdCount];
        var open = new Dictionary<ControlFlow, List<List<Node>>>(ReferenceEqualityComparer.Instance);
        var members = new List<List<Node>>();
        foreach (var eq in graph.EquationArray)
        {
            if (eq.Attrs.Control is not { } def) continue;
            if (!open.TryGetValue(def, out var candidates))
            {
                candidates = [];
                open[def] = candidates;
            }
            var group = candidates.Find(g => SameInputs(g[0], eq));
            if (group is null)
            {
                group = [];
                candidates.Add(group);
                members.Add(group);
            }
            group.Add(eq);
        }
        foreach (var group in members)
        {
            var array = group.ToArray();
            foreach (var eq in array) groups[eq.Id] = array;
        }
        return groups;
    }

    private static bool SameInputs(Node a, Node b)
    {
        if (a.InputArray.Length != b.InputArray.Length) return false;
        for (int i = 0; i < a.InputArray.Length; i++)
        {
            if (!ReferenceEquals(a.InputArray[i], b.InputArray[i])) return false;
        }
        return true;
    }
}
