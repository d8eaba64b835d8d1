namespace Tracer;

/// <summary>
/// Value tuples of trees, of any length. They also carry a transformed function's argument list, so each item is
/// marked in the signature and can be described on its own (the cache-miss explanation names the argument that
/// changed). C# spells a tuple of more than seven items as <c>ValueTuple&lt;T1..T7, TRest&gt;</c> with the rest in
/// a nested tuple; <see cref="TupleAdapter{T1, T2, T3, T4, T5, T6, T7, TRest}"/> lists the rest's items inline, so
/// <c>(a, b, ..., i)</c> reads as one tuple of nine items.
/// </summary>
/// <remarks>
/// One class per arity, written out: no reflection or boxing per call. A failure deeper in the tree records the
/// item (<c>Item3</c>) from an exception filter, for the path in the message (see <see cref="TreeDepthException"/>).
/// </remarks>
internal interface ITupleAdapter<T>
{
    string[] DescribeItems(T value);

    /// <summary>The descriptions of the items, appended to <paramref name="parts"/> (a nested rest adds its own inline).</summary>
    void DescribeItems(T value, List<string> parts, int depth);

    /// <summary>The items' leaf paths, the first item named <c>Item{first}</c> (a nested rest continues the count, as C# does).</summary>
    void Paths(T value, string prefix, List<string> paths, int first);
}

internal sealed class TupleAdapter<T1> : TreeAdapter<ValueTuple<T1>>, ITupleAdapter<ValueTuple<T1>>
{
    public override void Flatten(ValueTuple<T1> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 1L << 8);
        int item = 1;
        try
        {
            TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1> Rebuild(ValueTuple<T1> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        return new ValueTuple<T1>(x1);
    }

    public string[] DescribeItems(ValueTuple<T1> v)
    {
        var parts = new List<string>(1);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1> v, int depth)
    {
        var parts = new List<string>(1);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
    }
}

internal sealed class TupleAdapter<T1, T2> : TreeAdapter<ValueTuple<T1, T2>>, ITupleAdapter<ValueTuple<T1, T2>>
{
    public override void Flatten(ValueTuple<T1, T2> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 2L << 8);
        int item = 1;
        try
        {
            TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig, depth + 1);
            item = 2;
            TreeAdapter<T2>.Instance.Flatten(v.Item2, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1, T2> Rebuild(ValueTuple<T1, T2> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        return new ValueTuple<T1, T2>(x1, x2);
    }

    public string[] DescribeItems(ValueTuple<T1, T2> v)
    {
        var parts = new List<string>(2);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2> v, int depth)
    {
        var parts = new List<string>(2);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3> : TreeAdapter<ValueTuple<T1, T2, T3>>, ITupleAdapter<ValueTuple<T1, T2, T3>>
{
    public override void Flatten(ValueTuple<T1, T2, T3> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 3L << 8);
        int item = 1;
        try
        {
            TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig, depth + 1);
            item = 2;
            TreeAdapter<T2>.Instance.Flatten(v.Item2, leaves, sig, depth + 1);
            item = 3;
            TreeAdapter<T3>.Instance.Flatten(v.Item3, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1, T2, T3> Rebuild(ValueTuple<T1, T2, T3> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var x3 = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        return new ValueTuple<T1, T2, T3>(x1, x2, x3);
    }

    public string[] DescribeItems(ValueTuple<T1, T2, T3> v)
    {
        var parts = new List<string>(3);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2, T3> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
            parts.Add(TreeAdapter<T3>.Instance.Describe(v.Item3, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2, T3> v, int depth)
    {
        var parts = new List<string>(3);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2, T3> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2, T3> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item" + (first + 2)), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3, T4> : TreeAdapter<ValueTuple<T1, T2, T3, T4>>, ITupleAdapter<ValueTuple<T1, T2, T3, T4>>
{
    public override void Flatten(ValueTuple<T1, T2, T3, T4> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 4L << 8);
        int item = 1;
        try
        {
            TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig, depth + 1);
            item = 2;
            TreeAdapter<T2>.Instance.Flatten(v.Item2, leaves, sig, depth + 1);
            item = 3;
            TreeAdapter<T3>.Instance.Flatten(v.Item3, leaves, sig, depth + 1);
            item = 4;
            TreeAdapter<T4>.Instance.Flatten(v.Item4, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1, T2, T3, T4> Rebuild(ValueTuple<T1, T2, T3, T4> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var x3 = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        var x4 = TreeAdapter<T4>.Instance.Rebuild(t.Item4, leaves, ref pos);
        return new ValueTuple<T1, T2, T3, T4>(x1, x2, x3, x4);
    }

    public string[] DescribeItems(ValueTuple<T1, T2, T3, T4> v)
    {
        var parts = new List<string>(4);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2, T3, T4> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
            parts.Add(TreeAdapter<T3>.Instance.Describe(v.Item3, depth + 1));
            parts.Add(TreeAdapter<T4>.Instance.Describe(v.Item4, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2, T3, T4> v, int depth)
    {
        var parts = new List<string>(4);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2, T3, T4> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2, T3, T4> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item" + (first + 2)), paths);
        TreeAdapter<T4>.Instance.Paths(v.Item4, Child(prefix, "Item" + (first + 3)), paths);
    }
}
