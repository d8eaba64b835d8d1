namespace Tracer;

// Value tuples of five to seven items, and of eight or more (ValueTuple<T1..T7, TRest>); see TupleAdapters.cs.

internal sealed class TupleAdapter<T1, T2, T3, T4, T5> : TreeAdapter<ValueTuple<T1, T2, T3, T4, T5>>, ITupleAdapter<ValueTuple<T1, T2, T3, T4, T5>>
{
    public override void Flatten(ValueTuple<T1, T2, T3, T4, T5> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 5L << 8);
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
            item = 5;
            TreeAdapter<T5>.Instance.Flatten(v.Item5, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1, T2, T3, T4, T5> Rebuild(ValueTuple<T1, T2, T3, T4, T5> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var x3 = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        var x4 = TreeAdapter<T4>.Instance.Rebuild(t.Item4, leaves, ref pos);
        var x5 = TreeAdapter<T5>.Instance.Rebuild(t.Item5, leaves, ref pos);
        return new ValueTuple<T1, T2, T3, T4, T5>(x1, x2, x3, x4, x5);
    }

    public string[] DescribeItems(ValueTuple<T1, T2, T3, T4, T5> v)
    {
        var parts = new List<string>(5);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2, T3, T4, T5> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
            parts.Add(TreeAdapter<T3>.Instance.Describe(v.Item3, depth + 1));
            parts.Add(TreeAdapter<T4>.Instance.Describe(v.Item4, depth + 1));
            parts.Add(TreeAdapter<T5>.Instance.Describe(v.Item5, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2, T3, T4, T5> v, int depth)
    {
        var parts = new List<string>(5);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2, T3, T4, T5> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2, T3, T4, T5> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item" + (first + 2)), paths);
        TreeAdapter<T4>.Instance.Paths(v.Item4, Child(prefix, "Item" + (first + 3)), paths);
        TreeAdapter<T5>.Instance.Paths(v.Item5, Child(prefix, "Item" + (first + 4)), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3, T4, T5, T6> : TreeAdapter<ValueTuple<T1, T2, T3, T4, T5, T6>>, ITupleAdapter<ValueTuple<T1, T2, T3, T4, T5, T6>>
{
    public override void Flatten(ValueTuple<T1, T2, T3, T4, T5, T6> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 6L << 8);
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
            item = 5;
            TreeAdapter<T5>.Instance.Flatten(v.Item5, leaves, sig, depth + 1);
            item = 6;
            TreeAdapter<T6>.Instance.Flatten(v.Item6, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1, T2, T3, T4, T5, T6> Rebuild(ValueTuple<T1, T2, T3, T4, T5, T6> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var x3 = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        var x4 = TreeAdapter<T4>.Instance.Rebuild(t.Item4, leaves, ref pos);
        var x5 = TreeAdapter<T5>.Instance.Rebuild(t.Item5, leaves, ref pos);
        var x6 = TreeAdapter<T6>.Instance.Rebuild(t.Item6, leaves, ref pos);
        return new ValueTuple<T1, T2, T3, T4, T5, T6>(x1, x2, x3, x4, x5, x6);
    }

    public string[] DescribeItems(ValueTuple<T1, T2, T3, T4, T5, T6> v)
    {
        var parts = new List<string>(6);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2, T3, T4, T5, T6> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
            parts.Add(TreeAdapter<T3>.Instance.Describe(v.Item3, depth + 1));
            parts.Add(TreeAdapter<T4>.Instance.Describe(v.Item4, depth + 1));
            parts.Add(TreeAdapter<T5>.Instance.Describe(v.Item5, depth + 1));
            parts.Add(TreeAdapter<T6>.Instance.Describe(v.Item6, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2, T3, T4, T5, T6> v, int depth)
    {
        var parts = new List<string>(6);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2, T3, T4, T5, T6> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2, T3, T4, T5, T6> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item" + (first + 2)), paths);
        TreeAdapter<T4>.Instance.Paths(v.Item4, Child(prefix, "Item" + (first + 3)), paths);
        TreeAdapter<T5>.Instance.Paths(v.Item5, Child(prefix, "Item" + (first + 4)), paths);
        TreeAdapter<T6>.Instance.Paths(v.Item6, Child(prefix, "Item" + (first + 5)), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3, T4, T5, T6, T7> : TreeAdapter<ValueTuple<T1, T2, T3, T4, T5, T6, T7>>, ITupleAdapter<ValueTuple<T1, T2, T3, T4, T5, T6, T7>>
{
    public override void Flatten(ValueTuple<T1, T2, T3, T4, T5, T6, T7> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 7L << 8);
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
            item = 5;
            TreeAdapter<T5>.Instance.Flatten(v.Item5, leaves, sig, depth + 1);
            item = 6;
            TreeAdapter<T6>.Instance.Flatten(v.Item6, leaves, sig, depth + 1);
            item = 7;
            TreeAdapter<T7>.Instance.Flatten(v.Item7, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter("Item" + item, null))
        {
        }
    }

    public override ValueTuple<T1, T2, T3, T4, T5, T6, T7> Rebuild(ValueTuple<T1, T2, T3, T4, T5, T6, T7> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var x3 = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        var x4 = TreeAdapter<T4>.Instance.Rebuild(t.Item4, leaves, ref pos);
        var x5 = TreeAdapter<T5>.Instance.Rebuild(t.Item5, leaves, ref pos);
        var x6 = TreeAdapter<T6>.Instance.Rebuild(t.Item6, leaves, ref pos);
        var x7 = TreeAdapter<T7>.Instance.Rebuild(t.Item7, leaves, ref pos);
        return new ValueTuple<T1, T2, T3, T4, T5, T6, T7>(x1, x2, x3, x4, x5, x6, x7);
    }

    public string[] DescribeItems(ValueTuple<T1, T2, T3, T4, T5, T6, T7> v)
    {
        var parts = new List<string>(7);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2, T3, T4, T5, T6, T7> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
            parts.Add(TreeAdapter<T3>.Instance.Describe(v.Item3, depth + 1));
            parts.Add(TreeAdapter<T4>.Instance.Describe(v.Item4, depth + 1));
            parts.Add(TreeAdapter<T5>.Instance.Describe(v.Item5, depth + 1));
            parts.Add(TreeAdapter<T6>.Instance.Describe(v.Item6, depth + 1));
            parts.Add(TreeAdapter<T7>.Instance.Describe(v.Item7, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter("Item" + (parts.Count - first + 1), null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2, T3, T4, T5, T6, T7> v, int depth)
    {
        var parts = new List<string>(7);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2, T3, T4, T5, T6, T7> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2, T3, T4, T5, T6, T7> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item" + (first + 2)), paths);
        TreeAdapter<T4>.Instance.Paths(v.Item4, Child(prefix, "Item" + (first + 3)), paths);
        TreeAdapter<T5>.Instance.Paths(v.Item5, Child(prefix, "Item" + (first + 4)), paths);
        TreeAdapter<T6>.Instance.Paths(v.Item6, Child(prefix, "Item" + (first + 5)), paths);
        TreeAdapter<T7>.Instance.Paths(v.Item7, Child(prefix, "Item" + (first + 6)), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3, T4, T5, T6, T7, TRest> : TreeAdapter<ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest>>, ITupleAdapter<ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest>>
    where TRest : struct
{
    public override void Flatten(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> v, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        sig?.Write(TokenKind.Sequence | 8L << 8);
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
            item = 5;
            TreeAdapter<T5>.Instance.Flatten(v.Item5, leaves, sig, depth + 1);
            item = 6;
            TreeAdapter<T6>.Instance.Flatten(v.Item6, leaves, sig, depth + 1);
            item = 7;
            TreeAdapter<T7>.Instance.Flatten(v.Item7, leaves, sig, depth + 1);
            item = 8;
            TreeAdapter<TRest>.Instance.Flatten(v.Rest, leaves, sig, depth);
        }
        catch (TreeDepthException e) when (e.Enter(item < 8 ? "Item" + item : "Rest", null))
        {
        }
    }

    public override ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> Rebuild(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var x1 = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var x2 = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var x3 = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        var x4 = TreeAdapter<T4>.Instance.Rebuild(t.Item4, leaves, ref pos);
        var x5 = TreeAdapter<T5>.Instance.Rebuild(t.Item5, leaves, ref pos);
        var x6 = TreeAdapter<T6>.Instance.Rebuild(t.Item6, leaves, ref pos);
        var x7 = TreeAdapter<T7>.Instance.Rebuild(t.Item7, leaves, ref pos);
        var x8 = TreeAdapter<TRest>.Instance.Rebuild(t.Rest, leaves, ref pos);
        return new ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest>(x1, x2, x3, x4, x5, x6, x7, x8);
    }

    public string[] DescribeItems(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> v)
    {
        var parts = new List<string>(8);
        DescribeItems(v, parts, 0);
        return parts.ToArray();
    }

    public void DescribeItems(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> v, List<string> parts, int depth)
    {
        int first = parts.Count;
        try
        {
            parts.Add(TreeAdapter<T1>.Instance.Describe(v.Item1, depth + 1));
            parts.Add(TreeAdapter<T2>.Instance.Describe(v.Item2, depth + 1));
            parts.Add(TreeAdapter<T3>.Instance.Describe(v.Item3, depth + 1));
            parts.Add(TreeAdapter<T4>.Instance.Describe(v.Item4, depth + 1));
            parts.Add(TreeAdapter<T5>.Instance.Describe(v.Item5, depth + 1));
            parts.Add(TreeAdapter<T6>.Instance.Describe(v.Item6, depth + 1));
            parts.Add(TreeAdapter<T7>.Instance.Describe(v.Item7, depth + 1));
            if (TreeAdapter<TRest>.Instance is ITupleAdapter<TRest> rest) rest.DescribeItems(v.Rest, parts, depth);
            else parts.Add(TreeAdapter<TRest>.Instance.Describe(v.Rest, depth + 1));
        }
        catch (TreeDepthException e) when (e.Enter(parts.Count - first < 7 ? "Item" + (parts.Count - first + 1) : "Rest", null))
        {
        }
    }

    public override string Describe(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> v, int depth)
    {
        var parts = new List<string>(8);
        DescribeItems(v, parts, depth);
        return "(" + string.Join(", ", parts) + ")";
    }

    public override void Paths(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> v, string prefix, List<string> paths) => Paths(v, prefix, paths, 1);

    public void Paths(ValueTuple<T1, T2, T3, T4, T5, T6, T7, TRest> v, string prefix, List<string> paths, int first)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item" + (first + 0)), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item" + (first + 1)), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item" + (first + 2)), paths);
        TreeAdapter<T4>.Instance.Paths(v.Item4, Child(prefix, "Item" + (first + 3)), paths);
        TreeAdapter<T5>.Instance.Paths(v.Item5, Child(prefix, "Item" + (first + 4)), paths);
        TreeAdapter<T6>.Instance.Paths(v.Item6, Child(prefix, "Item" + (first + 5)), paths);
        TreeAdapter<T7>.Instance.Paths(v.Item7, Child(prefix, "Item" + (first + 6)), paths);
        if (TreeAdapter<TRest>.Instance is ITupleAdapter<TRest> rest) rest.Paths(v.Rest, prefix, paths, first + 7);
        else TreeAdapter<TRest>.Instance.Paths(v.Rest, Child(prefix, "Rest"), paths);
    }
}
