namespace Tracer;

/// <summary>Builds the adapter of a type once, by reflection; the result is cached in <see cref="TreeAdapter{T}.Instance"/>.</summary>
internal static class TreeAdapters
{
    public static object Create(Type type)
    {
        if (type == typeof(Tensor)) return new TensorAdapter();
        if (type == typeof(Nn.PRNGKey)) return new KeyAdapter();   // a traced leaf: its words as i32[2]
        if (IsStatic(type)) return Make(typeof(StaticAdapter<>), type);
        if (type.IsSZArray) return Make(typeof(ArrayAdapter<>), type.GetElementType()!);
        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (def == typeof(Static<>)) return Make(typeof(StaticValueAdapter<>), args);
            if (def == typeof(List<>)) return Make(typeof(ListAdapter<>), args);
            if (def == typeof(Dictionary<,>) && args[0] == typeof(string)) return Make(typeof(DictionaryAdapter<>), args[1]);
            if (TupleAdapterOf(def) is { } tuple) return Make(tuple, args);
        }
        if (IsObjectTree(type))
        {
            try
            {
                return Make(typeof(ObjectAdapter<>), type);
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is NotSupportedException inner)
            {
                return Activator.CreateInstance(typeof(UnsupportedAdapter<>).MakeGenericType(type), inner.Message)!;
            }
        }
        return Activator.CreateInstance(typeof(UnsupportedAdapter<>).MakeGenericType(type), (string?)null)!;
    }

    /// <summary>Whether values of <paramref name="type"/> can be flattened (checked without building adapters).</summary>
    public static bool IsTree(Type type)
    {
        if (type == typeof(Tensor) || type == typeof(Nn.PRNGKey) || IsStatic(type)) return true;
        if (type.IsSZArray) return IsTree(type.GetElementType()!);
        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (def == typeof(Static<>)) return true;
            if (def == typeof(List<>)) return IsTree(args[0]);
            if (def == typeof(Dictionary<,>)) return args[0] == typeof(string) && IsTree(args[1]);
            if (TupleAdapterOf(def) is not null) return Array.TrueForAll(args, IsTree);
        }
        return IsObjectTree(type);
    }

    /// <summary>The adapter of a value tuple type definition of any arity (8 means seven items and a nested rest); else null.</summary>
    private static Type? TupleAdapterOf(Type def)
    {
        if (def == typeof(ValueTuple<>)) return typeof(TupleAdapter<>);
        if (def == typeof(ValueTuple<,>)) return typeof(TupleAdapter<,>);
        if (def == typeof(ValueTuple<,,>)) return typeof(TupleAdapter<,,>);
        if (def == typeof(ValueTuple<,,,>)) return typeof(TupleAdapter<,,,>);
        if (def == typeof(ValueTuple<,,,,>)) return typeof(TupleAdapter<,,,,>);
        if (def == typeof(ValueTuple<,,,,,>)) return typeof(TupleAdapter<,,,,,>);
        if (def == typeof(ValueTuple<,,,,,,>)) return typeof(TupleAdapter<,,,,,,>);
        if (def == typeof(ValueTuple<,,,,,,,>)) return typeof(TupleAdapter<,,,,,,,>);
        return null;
    }

    /// <summary>User records, classes and structs (not delegates, interfaces, pointers or framework collections).</summary>
    private static bool IsObjectTree(Type type) =>
        !type.IsInterface && !type.IsAbstract && !type.IsPointer && !typeof(Delegate).IsAssignableFrom(type)
        && !type.IsGenericTypeDefinition && type != typeof(object)
        && !(type.Namespace?.StartsWith("System", StringComparison.Ordinal) ?? false);

    /// <summary>Leaves that are part of the signature by value and never differentiated.</summary>
    public static bool IsStatic(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);

    private static object Make(Type generic, params Type[] args) =>
        Activator.CreateInstance(generic.MakeGenericType(args))!;
}

/// <summary>Stands for a type that is not a parameter tree; any use is an error that names the type.</summary>
internal sealed class UnsupportedAdapter<T>(string? reason) : TreeAdapter<T>
{
    private NotSupportedException Error() => new(reason ??
        $"type {typeof(T).FullName} is not a parameter tree: use Tensor, arrays, List<T>, Dictionary<string, T>, value " +
        "tuples, records or classes of trees, or numbers, strings, bools and enums as static leaves");

    public override void Flatten(T value, List<Tensor> leaves, SignatureWriter? sig, int depth) => throw Error();

    public override T Rebuild(T template, IReadOnlyList<Tensor> leaves, ref int pos) => throw Error();

    public override string Describe(T value, int depth) => typeof(T).Name;

    public override void Paths(T value, string prefix, List<string> paths) => throw Error();
}
