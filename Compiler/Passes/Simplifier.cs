namespace Tracer.Compiler;

/// <summary>
/// Local rewrites applied while the optimiser replays a graph: identities (x*1, x+0, reshape to the same shape...),
/// folding of equations whose operands are all scalar literals, and cancelling pairs (neg of neg, reshape of
/// reshape). A rewrite only fires when the result has exactly the type of the equation it replaces.
/// </summary>
internal static class Simplifier
{
    public static Node? TrySimplify(Node eq, Node[] args, OptimizeOptions options) =>
        TrySimplify(eq.Op, eq.Attrs, eq.Type, args, eq.Owner.Rules, options);

    /// <summary>
    /// The same, for an equation not recorded yet (op, attributes and result type; <paramref name="rules"/> evaluates
    /// a folded constant): how a trace that simplifies as it records (<see cref="GraphBuilder.OptimizesOnEmit"/>) asks.
    /// </summary>
    /// <param name="op">The equation's op.</param>
    /// <param name="attrs">Its attributes.</param>
    /// <param name="type">Its result type.</param>
    /// <param name="args">Its inputs.</param>
    /// <param name="rules">The rules that evaluate a folded constant.</param>
    /// <param name="options">Whether the graph goes to code generation next (stop_gradient then simplifies).</param>
    /// <param name="probe">
    /// Only tell whether the equation simplifies: a non-null result (not a replacement) means it does, and nothing is
    /// emitted (the optimiser asks this of a finished graph, into which nothing can be emitted).
    /// </param>
    public static Node? TrySimplify(OpCode op, Attrs attrs, TensorType type, Node[] args, IRuleSet rules, OptimizeOptions options, bool probe = false)
    {
        if (op.IsElementwise() && AllLiterals(args)) return probe ? args[0] : Fold(op, attrs, type, args, rules);
        switch (op)
        {
            case OpCode.Add:
                if (IsConst(args[1], 0) && args[0].Type == type) return args[0];
                if (IsConst(args[0], 0) && args[1].Type == type) return args[1];
                break;
            case OpCode.Sub:
                if (IsConst(args[1], 0) && args[0].Type == type) return args[0];
                break;
            case OpCode.Mul:
                if (IsConst(args[1], 1) && args[0].Type == type) return args[0];
                if (IsConst(args[0], 1) && args[1].Type == type) return args[1];
                break;
            case OpCode.Div:
                if (IsConst(args[1], 1) && args[0].Type == type) return args[0];
                break;
            case OpCode.Neg:
                if (args[0].Op == OpCode.Neg) return args[0].InputArray[0];
                break;
            case OpCode.Reshape:
                if (args[0].Type == type) return args[0];
                if (args[0].Op == OpCode.Reshape) return probe ? args[0] : Ir.Reshape(args[0].InputArray[0], type.Shape);
                break;
            case OpCode.Broadcast or OpCode.Cast:
                if (args[0].Type == type) return args[0];
                break;
            case OpCode.Transpose:
                if (args[0].Type == type && IsIdentity(attrs.Perm!)) return args[0];
                break;
            case OpCode.StopGradient:
                if (options.Final) return args[0];
                break;
        }
        return null;
    }

    /// <summary>A literal, or a broadcast or reshape of one (the seed cotangent of a gradient), equal to <paramref name="value"/>.</summary>
    private static bool IsConst(Node n, double value)
    {
        while (n.Op is OpCode.Broadcast or OpCode.Reshape) n = n.InputArray[0];
        return n.Op == OpCode.Literal && n.Attrs.Value == value;
    }

    private static bool AllLiterals(Node[] args)
    {
        foreach (var a in args)
        {
            if (a.Op != OpCode.Literal) return false;
        }
        return args.Length > 0;
    }

    private static Node Fold(OpCode op, Attrs attrs, TensorType type, Node[] args, IRuleSet rules)
    {
        var types = new TensorType[args.Length];
        var values = new Array[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            types[i] = args[i].Type;
            values[i] = Interpreter.Fill(args[i].DType, args[i].Attrs.Value);
        }
        var result = rules.Get(op).Evaluate(attrs, type, types, values);
        double v = result switch
        {
            float[] f => f[0],
            double[] d => d[0],
            int[] i => i[0],
            bool[] b => b[0] ? 1 : 0,
            _ => throw new InvalidOperationException("unexpected array type"),
        };
        return Ir.Lit(v, type.DType);
    }

    private static bool IsIdentity(int[] perm)
    {
        for (int i = 0; i < perm.Length; i++)
        {
            if (perm[i] != i) return false;
        }
        return true;
    }
}
