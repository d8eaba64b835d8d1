namespace Tracer;

/// <summary>
/// Value tuples of trees. They also carry a transformed function's argument list, so each item is marked in the
/// signature and can be described on its own (the cache-miss explanation names the argument that changed).
/// </summary>
internal interface ITupleAdapter<T>
{
    string[] DescribeItems(T value);
}

internal sealed class TupleAdapter<T1> : TreeAdapter<ValueTuple<T1>>, ITupleAdapter<ValueTuple<T1>>
{
    public override void Flatten(ValueTuple<T1> v, List<Tensor> leaves, SignatureWriter? sig)
    {
        sig?.Write(TokenKind.Sequence | 1L << 8);
        TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig);
    }

    public override ValueTuple<T1> Rebuild(ValueTuple<T1> t, IReadOnlyList<Tensor> leaves, ref int pos) =>
        new(TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos));

    public string[] DescribeItems(ValueTuple<T1> v) => [TreeAdapter<T1>.Instance.Describe(v.Item1)];

    public override string Describe(ValueTuple<T1> v) => "(" + string.Join(", ", DescribeItems(v)) + ")";

    public override void Paths(ValueTuple<T1> v, string prefix, List<string> paths)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item1"), paths);
    }
}

internal sealed class TupleAdapter<T1, T2> : TreeAdapter<(T1, T2)>, ITupleAdapter<(T1, T2)>
{
    public override void Flatten((T1, T2) v, List<Tensor> leaves, SignatureWriter? sig)
    {
        sig?.Write(TokenKind.Sequence | 2L << 8);
        TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig);
        TreeAdapter<T2>.Instance.Flatten(v.Item2, leaves, sig);
    }

    public override (T1, T2) Rebuild((T1, T2) t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var a = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var b = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        return (a, b);
    }

    public string[] DescribeItems((T1, T2) v) =>
        [TreeAdapter<T1>.Instance.Describe(v.Item1), TreeAdapter<T2>.Instance.Describe(v.Item2)];

    public override string Describe((T1, T2) v) => "(" + string.Join(", ", DescribeItems(v)) + ")";

    public override void Paths((T1, T2) v, string prefix, List<string> paths)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item1"), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item2"), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3> : TreeAdapter<(T1, T2, T3)>, ITupleAdapter<(T1, T2, T3)>
{
    public override void Flatten((T1, T2, T3) v, List<Tensor> leaves, SignatureWriter? sig)
    {
        sig?.Write(TokenKind.Sequence | 3L << 8);
        TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig);
        TreeAdapter<T2>.Instance.Flatten(v.Item2, leaves, sig);
        TreeAdapter<T3>.Instance.Flatten(v.Item3, leaves, sig);
    }

    public override (T1, T2, T3) Rebuild((T1, T2, T3) t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var a = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var b = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var c = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        return (a, b, c);
    }

    public string[] DescribeItems((T1, T2, T3) v) =>
    [
        TreeAdapter<T1>.Instance.Describe(v.Item1), TreeAdapter<T2>.Instance.Describe(v.Item2),
        TreeAdapter<T3>.Instance.Describe(v.Item3),
    ];

    public override string Describe((T1, T2, T3) v) => "(" + string.Join(", ", DescribeItems(v)) + ")";

    public override void Paths((T1, T2, T3) v, string prefix, List<string> paths)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item1"), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item2"), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item3"), paths);
    }
}

internal sealed class TupleAdapter<T1, T2, T3, T4> : TreeAdapter<(T1, T2, T3, T4)>, ITupleAdapter<(T1, T2, T3, T4)>
{
    public override void Flatten((T1, T2, T3, T4) v, List<Tensor> leaves, SignatureWriter? sig)
    {
        sig?.Write(TokenKind.Sequence | 4L << 8);
        TreeAdapter<T1>.Instance.Flatten(v.Item1, leaves, sig);
        TreeAdapter<T2>.Instance.Flatten(v.Item2, leaves, sig);
        TreeAdapter<T3>.Instance.Flatten(v.Item3, leaves, sig);
        TreeAdapter<T4>.Instance.Flatten(v.Item4, leaves, sig);
    }

    public override (T1, T2, T3, T4) Rebuild((T1, T2, T3, T4) t, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var a = TreeAdapter<T1>.Instance.Rebuild(t.Item1, leaves, ref pos);
        var b = TreeAdapter<T2>.Instance.Rebuild(t.Item2, leaves, ref pos);
        var c = TreeAdapter<T3>.Instance.Rebuild(t.Item3, leaves, ref pos);
        var d = TreeAdapter<T4>.Instance.Rebuild(t.Item4, leaves, ref pos);
        return (a, b, c, d);
    }

    public string[] DescribeItems((T1, T2, T3, T4) v) =>
    [
        TreeAdapter<T1>.Instance.Describe(v.Item1), TreeAdapter<T2>.Instance.Describe(v.Item2),
        TreeAdapter<T3>.Instance.Describe(v.Item3), TreeAdapter<T4>.Instance.Describe(v.Item4),
    ];

    public override string Describe((T1, T2, T3, T4) v) => "(" + string.Join(", ", DescribeItems(v)) + ")";

    public override void Paths((T1, T2, T3, T4) v, string prefix, List<string> paths)
    {
        TreeAdapter<T1>.Instance.Paths(v.Item1, Child(prefix, "Item1"), paths);
        TreeAdapter<T2>.Instance.Paths(v.Item2, Child(prefix, "Item2"), paths);
        TreeAdapter<T3>.Instance.Paths(v.Item3, Child(prefix, "Item3"), paths);
        TreeAdapter<T4>.Instance.Paths(v.Item4, Child(prefix, "Item4"), paths);
    }
}
