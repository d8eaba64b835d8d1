namespace Tracer.Compiler.Lowering;

public sealed partial class Lowerer
{
    /// <summary>
    /// A linear-algebra primitive: its operands as whole contiguous buffers and one <see cref="HostOpKernel"/> per live
    /// result of the same decomposition (same op, operands and attributes but the result index), the first of which
    /// computes the decomposition once.
    /// </summary>
    private ScalarExpr LinalgCall(Node eq)
    {
        var inputs = new int[eq.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = WholeBuffer(eq.Inputs[i], "linear-algebra operand");
        var group = new List<Node> { eq };
        foreach (var other in graph.Equations)
        {
            if (ReferenceEquals(other, eq) || values[other.Id] is not null || !IsSameDecomposition(eq, other)) continue;
            if (uses[other.Id] > 0 || firstOutput[other.Id] >= 0) group.Add(other);   // live results only
        }
        var results = new (int Index, int Buffer)[group.Count];
        for (int k = 0; k < group.Count; k++) results[k] = (group[k].Attrs.Index, Target(group[k]));
        for (int k = 0; k < group.Count; k++)
        {
            kernels.Add(new HostOpKernel(group[k], inputs, results[k].Buffer, k == 0 ? results : null) { Label = Describe(group[k]) });
            if (k > 0) values[group[k].Id] = Settle(group[k], Whole(results[k].Buffer, group[k].Type));
        }
        return Whole(results[0].Buffer, eq.Type);
    }

    private static bool IsSameDecomposition(Node a, Node b)
    {
        if (a.Op != b.Op || a.Attrs.Index == b.Attrs.Index || a.Inputs.Count != b.Inputs.Count) return false;
        if (a.Attrs.Lower != b.Attrs.Lower || a.Attrs.TransposeA != b.Attrs.TransposeA) return false;
        for (int i = 0; i < a.Inputs.Count; i++)
        {
            if (!ReferenceEquals(a.Inputs[i], b.Inputs[i])) return false;
        }
        return true;
    }

    /// <summary>The buffer holding <paramref name="x"/> whole and contiguous (materialised into one when it is not).</summary>
    private int WholeBuffer(Node x, string why)
    {
        var value = Value(x);
        if (!(value is LoadExpr load && load.IsStrided && load.Map.Offset == 0 && IsContiguous(load.Map.Strides, x.Shape)
              && buffers[load.Buffer].Length == x.Shape.Size))
            value = MaterialiseValue(x, why);
        return ((LoadExpr)value).Buffer;
    }
}
