namespace Tracer;

/// <summary>
/// Disposes every concrete tensor created on this thread while it is the innermost scope (eager results, compiled
/// outputs, new tensors), except those moved out with <see cref="Keep{T}"/> (TorchSharp's dispose scopes). Scopes
/// nest: a kept tensor belongs to the enclosing scope, if any.
/// <code>
/// using (var scope = new DisposeScope())
/// {
///     var (loss, grads) = step(model, batch);
///     (model, state) = scope.Keep(opt.Update(model, grads, state));   // everything else is disposed here
/// }
/// </code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic]
    private static DisposeScope? current;

    private readonly DisposeScope? outer;
    private readonly Thread thread;
    private HashSet<Tensor>? owned;
    private bool closed;

    /// <summary>Opens a scope on this thread, nested in the current one; dispose it on the same thread.</summary>
    public DisposeScope()
    {
        outer = current;
        thread = Thread.CurrentThread;
        current = this;
    }

    /// <summary>Tensors this scope will dispose.</summary>
    public int Count => owned?.Count ?? 0;

    internal static void Track(Tensor t)
    {
        var scope = current;
        if (scope is not null) (scope.owned ??= new HashSet<Tensor>(ReferenceEqualityComparer.Instance)).Add(t);
    }

    /// <summary>
    /// Moves every tensor of <paramref name="tree"/> out of this scope (into the enclosing one, if any), so it
    /// survives the scope's end. Returns the tree, for chaining.
    /// </summary>
    public T Keep<T>(T tree)
    {
        foreach (var t in Tree.Leaves(tree))
        {
            if (owned is not null && owned.Remove(t) && outer is not null) (outer.owned ??= new HashSet<Tensor>(ReferenceEqualityComparer.Instance)).Add(t);
        }
        return tree;
    }

    /// <summary>Disposes what the scope still owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (closed) return;
        if (!ReferenceEquals(Thread.CurrentThread, thread))
            throw new InvalidOperationException("DisposeScope: a scope must be disposed on the thread that created it");
        closed = true;
        if (ReferenceEquals(current, this)) current = outer;
        if (owned is null) return;
        foreach (var t in owned) t.Dispose();
        owned = null;
    }
}
