using System.Linq.Expressions;
using System.Reflection;

namespace Tracer;

/// <summary>
/// Records, classes and structs whose public properties and fields are trees. Members are visited in declaration
/// order. A value is rebuilt through the constructor whose parameters match the members by name (records' primary
/// constructors), else through a parameterless constructor and setters. Reflection happens once per type, here;
/// calls go through compiled accessors.
/// </summary>
internal sealed class ObjectAdapter<T> : TreeAdapter<T>
{
    private readonly IMember[] members;
    private readonly Func<object?[], T> construct;

    public ObjectAdapter()
    {
        var list = new List<IMember>();
        foreach (var m in TreeMembers(typeof(T)))
        {
            var memberType = m is PropertyInfo p ? p.PropertyType : ((FieldInfo)m).FieldType;
            if (!TreeAdapters.IsTree(memberType))
            {
                throw new NotSupportedException(
                    $"type {typeof(T).FullName} is not a parameter tree: its member '{m.Name}' has type {memberType.FullName}, " +
                    "which is not a tree (Tensor, array, List<T>, Dictionary<string, T>, value tuple, record or class of trees, " +
                    "or a number, string, bool or enum)");
            }
            list.Add((IMember)Activator.CreateInstance(typeof(Member<>).MakeGenericType(typeof(T), memberType), m)!);
        }
        members = list.ToArray();
        construct = BuildConstructor(members);
    }

    public override void Flatten(T value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        if (value is null) throw new ArgumentNullException(nameof(value), $"a {typeof(T).Name} in a parameter tree is null");
        // Only user types can nest without bound (a type that refers to itself), so the depth check lives here.
        if (depth > TreeDepth.Max) throw new TreeDepthException(typeof(T).Name);
        sig?.Write(TokenKind.Node | (long)members.Length << 8);
        sig?.Write(SignatureWriter.Intern(typeof(T)));
        int i = 0;
        try
        {
            for (; i < members.Length; i++) members[i].Flatten(value, leaves, sig, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter(members[i].Name, value))
        {
        }
    }

    public override T Rebuild(T template, IReadOnlyList<Tensor> leaves, ref int pos)
    {
        var values = new object?[members.Length];
        for (int i = 0; i < members.Length; i++) values[i] = members[i].Rebuild(template, leaves, ref pos);
        return construct(values);
    }

    public override string Describe(T value, int depth)
    {
        if (value is null) return "null";
        if (depth > TreeDepth.Max) throw new TreeDepthException(typeof(T).Name);
        var parts = new string[members.Length];
        int i = 0;
        try
        {
            for (; i < members.Length; i++) parts[i] = members[i].Name + ": " + members[i].Describe(value, depth + 1);
        }
        catch (TreeDepthException e) when (e.Enter(members[i].Name, value))
        {
        }
        return typeof(T).Name + " { " + string.Join(", ", parts) + " }";
    }

    public override void Paths(T value, string prefix, List<string> paths)
    {
        if (value is null) throw new ArgumentNullException(nameof(value), $"a {typeof(T).Name} in a parameter tree is null");
        foreach (var m in members) m.Paths(value, Child(prefix, m.Name), paths);
    }

    /// <summary>Public instance properties (readable, not indexers, not compiler-generated) and fields, in declaration order.</summary>
    public static List<MemberInfo> TreeMembers(Type type)
    {
        var result = new List<MemberInfo>();
        foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance))
        {
            if (m is PropertyInfo p && p.CanRead && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
                result.Add(p);
            else if (m is FieldInfo) result.Add(m);
        }
        result.Sort((a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
        return result;
    }

    private static Func<object?[], T> BuildConstructor(IMember[] members)
    {
        var args = Expression.Parameter(typeof(object?[]), "values");
        Expression Arg(int i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), members[i].Type);

        foreach (var ctor in typeof(T).GetConstructors())
        {
            var ps = ctor.GetParameters();
            if (ps.Length != members.Length || ps.Length == 0) continue;
            var order = new int[ps.Length];
            bool match = true;
            for (int i = 0; i < ps.Length && match; i++)
            {
                order[i] = Array.FindIndex(members, m => string.Equals(m.Name, ps[i].Name, StringComparison.OrdinalIgnoreCase) && m.Type == ps[i].ParameterType);
                match = order[i] >= 0;
            }
            if (!match) continue;
            var call = Expression.New(ctor, Array.ConvertAll(order, Arg));
            return Expression.Lambda<Func<object?[], T>>(call, args).Compile();
        }

        if (typeof(T).IsValueType || typeof(T).GetConstructor(Type.EmptyTypes) is not null)
        {
            var bindings = new List<MemberBinding>();
            for (int i = 0; i < members.Length; i++)
            {
                var info = members[i].Info;
                bool writable = info is FieldInfo f ? !f.IsInitOnly : ((PropertyInfo)info).SetMethod is { IsPublic: true };
                if (!writable)
                {
                    throw new NotSupportedException(
                        $"type {typeof(T).FullName} is not a parameter tree: member '{info.Name}' cannot be set and no public " +
                        "constructor takes every member by name; add a setter (or init) or such a constructor");
                }
                bindings.Add(Expression.Bind(info, Arg(i)));
            }
            var init = Expression.MemberInit(Expression.New(typeof(T)), bindings);
            return Expression.Lambda<Func<object?[], T>>(init, args).Compile();
        }
        throw new NotSupportedException(
            $"type {typeof(T).FullName} is not a parameter tree: it has no public constructor taking its members " +
            "(matched by name) and no parameterless constructor");
    }

    private interface IMember
    {
        string Name { get; }

        Type Type { get; }

        MemberInfo Info { get; }

        void Flatten(T owner, List<Tensor> leaves, SignatureWriter? sig, int depth);

        object? Rebuild(T template, IReadOnlyList<Tensor> leaves, ref int pos);

        string Describe(T owner, int depth);

        void Paths(T owner, string path, List<string> paths);
    }

    private sealed class Member<TMember> : IMember
    {
        private readonly Func<T, TMember> get;

        public Member(MemberInfo info)
        {
            Info = info;
            var owner = Expression.Parameter(typeof(T), "owner");
            get = Expression.Lambda<Func<T, TMember>>(Expression.MakeMemberAccess(owner, info), owner).Compile();
        }

        public string Name => Info.Name;

        public Type Type => typeof(TMember);

        public MemberInfo Info { get; }

        public void Flatten(T owner, List<Tensor> leaves, SignatureWriter? sig, int depth) =>
            TreeAdapter<TMember>.Instance.Flatten(get(owner), leaves, sig, depth);

        public object? Rebuild(T template, IReadOnlyList<Tensor> leaves, ref int pos) =>
            TreeAdapter<TMember>.Instance.Rebuild(get(template), leaves, ref pos);

        public string Describe(T owner, int depth) => TreeAdapter<TMember>.Instance.Describe(get(owner), depth);

        public void Paths(T owner, string path, List<string> paths) => TreeAdapter<TMember>.Instance.Paths(get(owner), path, paths);
    }
}
