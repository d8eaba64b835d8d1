namespace Tracer;

/// <summary>
/// Makes a value a static leaf of a parameter tree: part of a jitted function's cache key by value (a new value
/// compiles again) and never traced or differentiated. Use it for a <c>double</c> or <c>float</c> that the function
/// computes with in C# (a branch, a loop bound, <c>Math.Pow</c>), which would otherwise be a traced input.
/// </summary>
/// <example><code>
/// var step = Jit.Compile((Tensor x, Static&lt;double&gt; scale) => x * scale.Value);
/// step(x, Static.Of(2.0));   // compiled for 2.0; Static.Of(3.0) compiles again
/// </code></example>
public static class Static
{
    /// <summary>Wraps <paramref name="value"/> as a static leaf (see <see cref="Static"/>).</summary>
    public static Static<T> Of<T>(T value) => new(value);
}

/// <summary>A value that is a static leaf of a tree (see <see cref="Static"/>); equal when the values are.</summary>
/// <param name="Value">The wrapped value.</param>
public readonly record struct Static<T>(T Value)
{
    /// <summary>The wrapped value.</summary>
    public static implicit operator T(Static<T> s) => s.Value;

    /// <inheritdoc/>
    public override string ToString() => $"Static({Value})";
}

/// <summary>The adapter of <see cref="Static{T}"/>: the value's static token, whatever the call traces.</summary>
internal sealed class StaticValueAdapter<T> : TreeAdapter<Static<T>>
{
    private static readonly StaticAdapter<T> Inner = new();

    public override void Flatten(Static<T> value, List<Tensor> leaves, SignatureWriter? sig, int depth)
    {
        if (sig is null) return;
        var traced = sig.Scalars;
        sig.Scalars = null;   // a static number stays in the key by value
        try
        {
            sig.Write(TokenKind.Node);
            Inner.Flatten(value.Value, leaves, sig, depth + 1);
        }
        finally
        {
            sig.Scalars = traced;
        }
    }

    public override Static<T> Rebuild(Static<T> template, IReadOnlyList<Tensor> leaves, ref int pos) => template;

    public override string Describe(Static<T> value, int depth) => $"Static({Inner.Describe(value.Value, depth + 1)})";

    public override void Paths(Static<T> value, string prefix, List<string> paths)
    {
        // A static value holds no tensor.
    }
}
