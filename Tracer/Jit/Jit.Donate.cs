namespace Tracer;

public static partial class Jit
{
    // ---- Compile with donated arguments (JAX's donate_argnums) ------------------------------------------------

    /// <summary>
    /// <see cref="Compile{T, R}(Func{T, R})"/> that consumes its argument: after each call, the argument's tensors
    /// give their memory back (as <see cref="Tensor.Dispose"/> does), so the next call's outputs reuse it instead of
    /// allocating. Write <c>model = step(model)</c>: a training loop then cycles between two sets of buffers and
    /// the garbage collector stays out of the way. Using a donated tensor afterwards is an
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <param name="f">The function to compile.</param>
    /// <param name="donate">Positions of the arguments to consume: here only <c>[0]</c> (or empty, which donates nothing).</param>
    public static Func<T, R> Compile<T, R>(Func<T, R> f, int[] donate)
    {
        var run = Compile(f);
        var which = DonatedPositions(donate, 1, "Compile");
        return t =>
        {
            var r = run(t);
            Donation.Release(Tree.Leaves(r), which, Tree.Leaves(t));
            return r;
        };
    }

    /// <summary>
    /// <see cref="Compile{T, A, R}(Func{T, A, R})"/> that consumes the arguments at the positions in
    /// <paramref name="donate"/> (0 is the first) after each call; see <see cref="Compile{T, R}(Func{T, R}, int[])"/>.
    /// A typical training step donates the model and the optimiser state, not the batch.
    /// </summary>
    /// <param name="f">The function to compile.</param>
    /// <param name="donate">Positions of the arguments whose tensors the call consumes.</param>
    public static Func<T, A, R> Compile<T, A, R>(Func<T, A, R> f, int[] donate)
    {
        var run = Compile(f);
        var which = DonatedPositions(donate, 2, "Compile");
        return (t, a) =>
        {
            var r = run(t, a);
            Donation.Release(Tree.Leaves(r), which, Tree.Leaves(t), Tree.Leaves(a));
            return r;
        };
    }

    /// <inheritdoc cref="Compile{T, A, R}(Func{T, A, R}, int[])"/>
    public static Func<T, A, B, R> Compile<T, A, B, R>(Func<T, A, B, R> f, int[] donate)
    {
        var run = Compile(f);
        var which = DonatedPositions(donate, 3, "Compile");
        return (t, a, b) =>
        {
            var r = run(t, a, b);
            Donation.Release(Tree.Leaves(r), which, Tree.Leaves(t), Tree.Leaves(a), Tree.Leaves(b));
            return r;
        };
    }

    /// <inheritdoc cref="Compile{T, A, R}(Func{T, A, R}, int[])"/>
    public static Func<T, A, B, C, R> Compile<T, A, B, C, R>(Func<T, A, B, C, R> f, int[] donate)
    {
        var run = Compile(f);
        var which = DonatedPositions(donate, 4, "Compile");
        return (t, a, b, c) =>
        {
            var r = run(t, a, b, c);
            Donation.Release(Tree.Leaves(r), which, Tree.Leaves(t), Tree.Leaves(a), Tree.Leaves(b), Tree.Leaves(c));
            return r;
        };
    }

    private static bool[] DonatedPositions(int[] donate, int arity, string what)
    {
        ArgumentNullException.ThrowIfNull(donate);
        var which = new bool[arity];
        foreach (int i in donate)
        {
            if ((uint)i >= (uint)arity)
                throw new ArgumentOutOfRangeException(nameof(donate), i,
                    $"Jit.{what}: cannot donate argument {i}: the function takes {arity} argument{(arity == 1 ? "" : "s")} (positions 0 to {arity - 1})");
            which[i] = true;
        }
        return which;
    }
}

/// <summary>What a donating delegate does after a call: dispose the donated arguments' tensors that nothing else holds.</summary>
internal static class Donation
{
    /// <summary>
    /// Disposes every concrete tensor leaf of the donated arguments, except those whose storage the result holds (a
    /// function may return an argument unchanged) or a kept argument holds too (the same tensor passed twice).
    /// Symbolic leaves (the delegate called inside another trace) own no memory and are left alone.
    /// </summary>
    public static void Release(Tensor[] result, bool[] donated, params Tensor[][] args)
    {
        var keep = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var t in result) Hold(keep, t);
        for (int i = 0; i < args.Length; i++)
        {
            if (!donated[i]) foreach (var t in args[i]) Hold(keep, t);
        }
        for (int i = 0; i < args.Length; i++)
        {
            if (!donated[i]) continue;
            foreach (var t in args[i])
            {
                if (!t.IsSymbolic && !t.IsDisposed && !keep.Contains(t.Storage)) t.Dispose();
            }
        }
    }

    private static void Hold(HashSet<object> keep, Tensor t)
    {
        if (!t.IsSymbolic && !t.IsDisposed) keep.Add(t.Storage);
    }
}
