using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Applies a primitive to tensors: eagerly (compiled code for the operands' device, see <see cref="Eager"/>) when
/// every operand is concrete, or by recording an equation in the innermost active trace when any operand is symbolic.
/// </summary>
internal static class Dispatch
{
    public static IRuleSet Rules => Tracer.Rules.RuleTable.Default;

    public static Tensor Apply(OpCode op, Attrs attrs, params Tensor[] args)
    {
        Tensor? symbolic = null;
        foreach (var a in args)
        {
            ArgumentNullException.ThrowIfNull(a, op.Name());
            if (a.IsSymbolic) symbolic ??= a;
        }
        var rule = Rules.Get(op);
        if (symbolic is null) return Eager.Apply(op, attrs, rule, args);

        var builder = GraphBuilder.Current ?? throw Escaped(symbolic);
        var nodes = new Node[args.Length];
        for (int i = 0; i < args.Length; i++) nodes[i] = ToNode(args[i], builder);
        if (!Jit.Config.DebugNans) return new Tensor(builder.Emit(op, attrs, nodes));
        builder.SourceHint = NanHunt.UserSource();
        try
        {
            return new Tensor(builder.Emit(op, attrs, nodes));
        }
        finally
        {
            builder.SourceHint = null;
        }
    }

    /// <summary>The value of <paramref name="t"/> in trace <paramref name="builder"/>: concrete data becomes a constant.</summary>
    public static Node ToNode(Tensor t, GraphBuilder builder)
    {
        if (t.Node is { } n) return builder.Resolve(n);
        if (t.Shape.Rank == 0) return builder.Literal(Tensor.ElementAt(t.Data, 0), t.DType);
        t.Storage.IsCaptured = true;   // the program keeps the array: disposing the tensor must not recycle it
        return builder.Constant(t.Data, t.Shape);
    }

    public static InvalidOperationException Escaped(Tensor t) => !t.Node!.Owner.IsFinished
        ? new InvalidOperationException(
            $"tensor {t.Type} <traced {t.Node.Name}> belongs to a trace running on another thread; symbolic tensors " +
            "can only be used by the thread that is tracing")
        : new InvalidOperationException(
        $"tensor {t.Type} <traced {t.Node!.Name}> is a tracer from a finished trace: it was created while tracing a " +
        "function and used after that trace ended (stored in a field, a static or a closure). Return it from the " +
        "traced function instead, or pass it in as an argument. See docs/sharp-bits.md#escaped-tracers.");
}
