using System.Runtime.CompilerServices;

namespace Tracer;

/// <summary>
/// How one .NET type is a parameter tree: how to list its tensor leaves (and write its structure into a call
/// signature), how to rebuild a value of the same structure from new leaves, and how to describe it in messages.
/// One adapter per type, built once by reflection and cached; calls go through it without reflection.
/// </summary>
internal abstract class TreeAdapter<T>
{
    public static readonly TreeAdapter<T> Instance = (TreeAdapter<T>)TreeAdapters.Create(typeof(T));

    /// <summary>Appends the tensor leaves of <paramref name="value"/> in a fixed order; writes structure tokens when <paramref name="sig"/> is given.</summary>
    public void Flatten(T value, List<Tensor> leaves, SignatureWriter? sig) => Flatten(value, leaves, sig, 0);

    /// <summary>
    /// <see cref="Flatten(T, List{Tensor}, SignatureWriter?)"/> at nesting level <paramref name="depth"/>; object
    /// adapters stop at <see cref="TreeDepth.Max"/>, which is how a cyclic tree is caught before the stack overflows.
    /// </summary>
    public abstract void Flatten(T value, List<Tensor> leaves, SignatureWriter? sig, int depth);

    /// <summary>A value shaped like <paramref name="template"/> whose leaves are taken from <paramref name="leaves"/> starting at <paramref name="pos"/>.</summary>
    public abstract T Rebuild(T template, IReadOnlyList<Tensor> leaves, ref int pos);

    /// <summary>Short structural description for messages, e.g. <c>f32[4]</c> or <c>[f32[2], f32[3]]</c>.</summary>
    public string Describe(T value) => Describe(value, 0);

    /// <summary><see cref="Describe(T)"/> at nesting level <paramref name="depth"/> (bounded like flattening).</summary>
    public abstract string Describe(T value, int depth);

    /// <summary>
    /// Appends the path of each tensor leaf, in the order of <see cref="Flatten(T, List{Tensor}, SignatureWriter?)"/>:
    /// member names, list indices and dictionary keys joined by dots below <paramref name="prefix"/>, e.g.
    /// <c>Layers.0.W</c>. Callers flatten first, which rejects cyclic trees.
    /// </summary>
    public abstract void Paths(T value, string prefix, List<string> paths);

    /// <summary>The path of a child named <paramref name="name"/> below <paramref name="prefix"/>.</summary>
    protected static string Child(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}

internal sealed class TensorAdapter : TreeAdapter<Tensor>
{
    public override void Flatten(Tensor value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        if (value is null) throw new ArgumentNullException(nameof(value), "a tensor leaf of a parameter tree is null");
        leaves.Add(value);
        sig?.WriteTensor(value);
    }

    public override Tensor Rebuild(Tensor template, IReadOnlyList<Tensor> leaves, ref int pos) => leaves[pos++];

    public override string Describe(Tensor value, int depth) => value is null ? "null" : value.Type.ToString();

    public override void Paths(Tensor value, string prefix, List<string> paths) => paths.Add(prefix);
}

/// <summary>Numbers, strings, bools and enums: part of the signature by value, copied unchanged when rebuilding.</summary>
internal sealed class StaticAdapter<T> : TreeAdapter<T>
{
    public override void Flatten(T value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        if (sig is null) return;
        // A jit call traces finite double and float leaves (TracedScalars): their values are inputs, not key parts.
        if (sig.Scalars is not null && TracedScalars.IsTraceable(value))
        {
            TracedScalars.Collect(sig, value);
            return;
        }
        sig.Write(TokenKind.Static);
        sig.Write(SignatureWriter.Intern(typeof(T)));
        // Numbers and enums are written as their bits (no boxing); other values are interned by equality.
        if (typeof(T) == typeof(int)) sig.Write(Unsafe.As<T, int>(ref value));
        else if (typeof(T) == typeof(long)) sig.Write(Unsafe.As<T, long>(ref value));
        else if (typeof(T) == typeof(double)) sig.Write(BitConverter.DoubleToInt64Bits(Unsafe.As<T, double>(ref value)));
        else if (typeof(T) == typeof(float)) sig.Write(BitConverter.SingleToInt32Bits(Unsafe.As<T, float>(ref value)));
        else if (typeof(T) == typeof(bool)) sig.Write(Unsafe.As<T, bool>(ref value) ? 1 : 0);
        else sig.Write(value is null ? 0 : SignatureWriter.Intern(value));
    }

    public override T Rebuild(T template, IReadOnlyList<Tensor> leaves, ref int pos) => TracedScalars.Substitute(template);

    public override string Describe(T value, int depth) => value is string s ? $"\"{s}\"" : value?.ToString() ?? "null";

    public override void Paths(T value, string prefix, List<string> paths)
    {
        // Static leaves hold no tensor, so they have no path.
    }
}

internal sealed class ArrayAdapter<TItem> : TreeAdapter<TItem[]>
{
    private static TreeAdapter<TItem> Item => TreeAdapter<TItem>.Instance;

    public override void Flatten(TItem[] value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        ArgumentNullException.ThrowIfNull(value, $"{typeof(TItem).Name}[] in a parameter tree");
        sig?.Write(TokenKind.Sequence | (long)value.Length << 8);
        int i = 0;
        try
        {
            for (; i < value.Length; i++) Item.Flatten(value[i], leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter(i, value))
        {
        }
    }

    public override TItem[] Rebuild(TItem[] template, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var result = new TItem[template.Length];
        for (int i = 0; i < result.Length; i++) result[i] = Item.Rebuild(template[i], leaves, ref pos);
        return result;
    }

    public override string Describe(TItem[] value, int depth)
    {
        var parts = new string[value.Length];
        int i = 0;
        try
        {
            for (; i < value.Length; i++) parts[i] = Item.Describe(value[i], depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter(i, value))
        {
        }
        return "[" + string.Join(", ", parts) + "]";
    }

    public override void Paths(TItem[] value, string prefix, List<string> paths)
    {
        ArgumentNullException.ThrowIfNull(value, $"{typeof(TItem).Name}[] in a parameter tree");
        for (int i = 0; i < value.Length; i++) Item.Paths(value[i], Child(prefix, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), paths);
    }
}

internal sealed class ListAdapter<TItem> : TreeAdapter<List<TItem>>
{
    private static TreeAdapter<TItem> Item => TreeAdapter<TItem>.Instance;

    public override void Flatten(List<TItem> value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        ArgumentNullException.ThrowIfNull(value, $"List<{typeof(TItem).Name}> in a parameter tree");
        sig?.Write(TokenKind.Sequence | (long)value.Count << 8);
        int i = 0;
        try
        {
            for (; i < value.Count; i++) Item.Flatten(value[i], leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter(i, value))
        {
        }
    }

    public override List<TItem> Rebuild(List<TItem> template, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var result = new List<TItem>(template.Count);
        foreach (var item in template) result.Add(Item.Rebuild(item, leaves, ref pos));
        return result;
    }

    public override string Describe(List<TItem> value, int depth)
    {
        var parts = new string[value.Count];
        int i = 0;
        try
        {
            for (; i < value.Count; i++) parts[i] = Item.Describe(value[i], depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter(i, value))
        {
        }
        return "[" + string.Join(", ", parts) + "]";
    }

    public override void Paths(List<TItem> value, string prefix, List<string> paths)
    {
        ArgumentNullException.ThrowIfNull(value, $"List<{typeof(TItem).Name}> in a parameter tree");
        for (int i = 0; i < value.Count; i++) Item.Paths(value[i], Child(prefix, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), paths);
    }
}

/// <summary>Dictionaries with string keys: entries in ordinal key order, so insertion order does not matter.</summary>
internal sealed class DictionaryAdapter<TItem> : TreeAdapter<Dictionary<string, TItem>>
{
    private static TreeAdapter<TItem> Item => TreeAdapter<TItem>.Instance;

    private static string[] SortedKeys(Dictionary<string, TItem> d)
    {
        var keys = new string[d.Count];
        d.Keys.CopyTo(keys, 0);
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    public override void Flatten(Dictionary<string, TItem> value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        ArgumentNullException.ThrowIfNull(value, "dictionary in a parameter tree");
        sig?.Write(TokenKind.Sequence | (long)value.Count << 8);
        string key = "";
        try
        {
            foreach (var k in SortedKeys(value))
            {
                key = k;
                sig?.Write(SignatureWriter.Intern(k));
                Item.Flatten(value[k], leaves, sig, depth + 1);
            }
        }
        catch (TreeDepthException e) when (e.EnterKey(key, value))
        {
        }
    }

    public override Dictionary<string, TItem> Rebuild(Dictionary<string, TItem> template, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var result = new Dictionary<string, TItem>(template.Count);
        foreach (var key in SortedKeys(template)) result[key] = Item.Rebuild(template[key], leaves, ref pos);
        return result;
    }

    public override string Describe(Dictionary<string, TItem> value, int depth)
    {
        var keys = SortedKeys(value);
        var parts = new string[keys.Length];
        int i = 0;
        try
        {
            for (; i < keys.Length; i++) parts[i] = $"{keys[i]}: {Item.Describe(value[keys[i]], depth + 1)}";
        }
        catch (TreeDepthException e) when (e.EnterKey(keys[i], value))
        {
        }
        return "{" + string.Join(", ", parts) + "}";
    }

    public override void Paths(Dictionary<string, TItem> value, string prefix, List<string> paths)
    {
        ArgumentNullException.ThrowIfNull(value, "dictionary in a parameter tree");
        foreach (var key in SortedKeys(value)) Item.Paths(value[key], Child(prefix, key), paths);
    }
}
