using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Structured control flow. Under tracing each construct becomes one primitive whose body is traced once, so loops
/// are not unrolled and compile time does not grow with the trip count; outside tracing they simply run. Bodies may
/// use values of the enclosing function (closures): they become inputs of the construct.
/// </summary>
public static partial class Ops
{
    /// <summary><paramref name="whenTrue"/>() if the one-element bool <paramref name="predicate"/> holds, else <paramref name="whenFalse"/>().</summary>
    public static R Cond<R>(Tensor predicate, Func<R> whenTrue, Func<R> whenFalse)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        if (predicate.DType != DType.Bool || predicate.Shape.Size != 1)
            throw new ArgumentException($"Cond: the predicate must be one bool element, got {predicate.Type}; use a comparison, e.g. Greater(Sum(x), 0.0)");
        return Switch(Cast(Reshape(predicate), DType.Int32), whenFalse, whenTrue);
    }

    /// <summary>Runs <c>branches[index]</c> (index clamped into range); every branch must return the same types.</summary>
    public static R Switch<R>(Tensor index, params Func<R>[] branches)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (branches is null || branches.Length == 0) throw new ArgumentException("Switch: needs at least one branch");
        if (index.DType != DType.Int32 || index.Shape.Size != 1)
            throw new ArgumentException($"Switch: the index must be one i32 element, got {index.Type}");
        if (GraphBuilder.Current is null && !index.IsSymbolic)
            return branches[Math.Clamp((int)index.Item(), 0, branches.Length - 1)]();

        var traces = Array.ConvertAll(branches, b => SubTrace.Run("Switch", [], _ => b()));
        var union = new List<Node>();
        foreach (var t in traces)
        {
            foreach (var c in t.Captured)
            {
                if (!union.Contains(c)) union.Add(c);
            }
        }
        var graphs = Array.ConvertAll(traces, t => SubTrace.Widen(t.Graph, 0, t.Captured, union));
        var def = new SwitchDef(graphs);
        var outer = GraphBuilder.Current!;
        var inputs = new List<Node> { Dispatch.ToNode(Reshape(index), outer) };
        foreach (var c in union) inputs.Add(outer.Resolve(c));
        Node[] results;
        using (outer.Activate()) results = def.Emit(OpCode.Switch, inputs);
        return Tree.Unflatten(traces[0].Template, SubTrace.Wrap(results));
    }

    /// <summary>
    /// <c>while condition(state): state = body(state)</c>. Differentiable in forward mode; reverse mode is refused
    /// (use <see cref="ForLoop{C}"/> or <see cref="Scan{C, X, Y}"/>).
    /// </summary>
    public static T WhileLoop<T>(Func<T, Tensor> condition, Func<T, T> body, T init)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(body);
        var leaves = Tree.Leaves(init);
        if (GraphBuilder.Current is null && !Array.Exists(leaves, l => l.IsSymbolic))
        {
            var state = init;
            while (Truth(condition(state), "WhileLoop")) state = body(state);
            return state;
        }
        var types = SubTrace.Types(leaves);
        var condTrace = SubTrace.Run("WhileLoop", types, xs => condition(Tree.Unflatten(init, xs)));
        var bodyTrace = SubTrace.Run("WhileLoop", types, xs => body(Tree.Unflatten(init, xs)));
        CheckCarry("WhileLoop", types, bodyTrace.OutputTypes);
        if (condTrace.OutputTypes.Length != 1 || condTrace.OutputTypes[0].DType != DType.Bool || condTrace.OutputTypes[0].Shape.Size != 1)
            throw new ArgumentException($"WhileLoop: the condition must return one bool element, got {string.Join(", ", condTrace.OutputTypes)}");
        var union = Union(condTrace.Captured, bodyTrace.Captured);
        var def = new WhileDef(
            SubTrace.Widen(condTrace.Graph, types.Length, condTrace.Captured, union),
            SubTrace.Widen(bodyTrace.Graph, types.Length, bodyTrace.Captured, union),
            types.Length, union.Count);
        var results = EmitConstruct(def, OpCode.While, leaves, union);
        return Tree.Unflatten(init, results);
    }

    /// <summary>
    /// JAX's scan: <c>for t: (carry, ys[t]) = f(carry, xs[t])</c> over axis 0 of every leaf of
    /// <paramref name="xs"/>; returns the final carry and the stacked ys. Reverse-mode differentiable without
    /// unrolling: the backward pass is another scan.
    /// </summary>
    public static (C Carry, Y Stacked) Scan<C, X, Y>(Func<C, X, (C Carry, Y Output)> f, C init, X xs, bool reverse = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var carries = Tree.Leaves(init);
        var sequences = Tree.Leaves(xs);
        int length = -1;
        foreach (var s in sequences)
        {
            if (s.Shape.Rank == 0) throw new ArgumentException($"Scan: every leaf of xs needs a leading axis to scan over, got {s.Type}");
            if (length >= 0 && s.Shape[0] != length)
                throw new ArgumentException($"Scan: leaves of xs disagree on the length: {length} and {s.Shape[0]} ({s.Type})");
            length = s.Shape[0];
        }
        if (length < 0) throw new ArgumentException("Scan: xs has no tensor leaves; use ForLoop for a counted loop");
        bool traced = GraphBuilder.Current is not null || Array.Exists(carries, l => l.IsSymbolic) || Array.Exists(sequences, l => l.IsSymbolic);
        if (!traced) return EagerScan(f, init, xs, sequences, length, reverse);

        var carryTypes = SubTrace.Types(carries);
        var sliceTypes = Array.ConvertAll(sequences, s => new TensorType(new Shape(s.Shape.ToArray()[1..]), s.DType));
        var sliceTemplate = xs;
        var trace = SubTrace.Run<(C, Y)>("Scan", [.. carryTypes, .. sliceTypes], v =>
            f(Tree.Unflatten(init, v[..carryTypes.Length]), Tree.Unflatten(sliceTemplate, v[carryTypes.Length..])));
        CheckCarry("Scan", carryTypes, trace.OutputTypes[..carryTypes.Length]);
        var def = new ScanDef(trace.Graph, carryTypes.Length, sequences.Length, trace.Captured.Length, length, reverse);
        var results = EmitConstruct(def, OpCode.Scan, [.. carries, .. sequences], [.. trace.Captured]);
        var finalCarry = Tree.Unflatten(init, results[..carryTypes.Length]);
        var stacked = Tree.Unflatten(trace.Template.Item2, results[carryTypes.Length..]);
        return (finalCarry, stacked);
    }

    /// <summary><c>for i in 0..count: state = body(i, state)</c> with i an i32 scalar; reverse-mode differentiable.</summary>
    public static C ForLoop<C>(int count, Func<Tensor, C, C> body, C init)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count < 0) throw new ArgumentException($"ForLoop: count must be non-negative, got {count}");
        if (count == 0) return init;
        var steps = new int[count];
        for (int i = 0; i < count; i++) steps[i] = i;
        var (carry, _) = Scan((C c, Tensor i) => (body(i, c), Tensor.Scalar(0f)), init, Tensor.FromArray(steps, count));
        return carry;
    }

    private static (C, Y) EagerScan<C, X, Y>(Func<C, X, (C, Y)> f, C init, X xs, Tensor[] sequences, int length, bool reverse)
    {
        if (length == 0) return (init, EmptyOutputs(f, init, xs, sequences));
        var carry = init;
        var outputs = new Y[length];
        for (int step = 0; step < length; step++)
        {
            int t = reverse ? length - 1 - step : step;
            var slice = Tree.Unflatten(xs, Array.ConvertAll(sequences, s => Squeeze(Slice(s, Row(s, t, 0), Row(s, t, 1)), 0)));
            (carry, outputs[t]) = f(carry, slice);
        }
        var stackedLeaves = new Tensor[Tree.Leaves(outputs[0]).Length];
        for (int j = 0; j < stackedLeaves.Length; j++) stackedLeaves[j] = Stack(0, Array.ConvertAll(outputs, o => Tree.Leaves(o)[j]));
        return (carry, Tree.Unflatten(outputs[0], stackedLeaves));
    }

    /// <summary>
    /// The stacked outputs of a scan with no steps: empty along axis 0, shaped like the body's outputs. The body never
    /// runs, so it is traced once in a throwaway trace to learn their structure and types (as the compiled path does).
    /// </summary>
    private static Y EmptyOutputs<C, X, Y>(Func<C, X, (C, Y)> f, C init, X xs, Tensor[] sequences)
    {
        var scratch = new GraphBuilder(Dispatch.Rules, null);
        Y template;
        Tensor[] leaves;
        using (scratch.Activate())
        {
            try
            {
                var carries = Array.ConvertAll(Tree.Leaves(init), c => new Tensor(scratch.Input(c.Type)));
                var slices = Array.ConvertAll(sequences, s => new Tensor(scratch.Input(new TensorType(new Shape(s.Shape.ToArray()[1..]), s.DType))));
                (_, template) = f(Tree.Unflatten(init, carries), Tree.Unflatten(xs, slices));
                leaves = Tree.Leaves(template);
            }
            finally
            {
                scratch.Abandon();
            }
        }
        var empty = Array.ConvertAll(leaves, y => Tensor.Zeros(y.DType, [0, .. y.Shape.ToArray()]));
        return Tree.Unflatten(template, empty);
    }

    private static int[] Row(Tensor s, int t, int end)
    {
        var r = new int[s.Shape.Rank];
        r[0] = t + end;
        for (int i = 1; i < r.Length; i++) r[i] = end == 0 ? 0 : s.Shape[i];
        return r;
    }

    private static Tensor[] EmitConstruct(ControlFlow def, OpCode op, Tensor[] declared, List<Node> consts)
    {
        var outer = GraphBuilder.Current!;
        var inputs = new List<Node>();
        foreach (var t in declared) inputs.Add(Dispatch.ToNode(t, outer));
        foreach (var c in consts) inputs.Add(outer.Resolve(c));
        return SubTrace.Wrap(def.Emit(op, inputs));
    }

    private static List<Node> Union(Node[] a, Node[] b)
    {
        var union = new List<Node>(a);
        foreach (var n in b)
        {
            if (!union.Contains(n)) union.Add(n);
        }
        return union;
    }

    private static void CheckCarry(string what, TensorType[] given, TensorType[] returned)
    {
        if (given.Length != returned.Length)
            throw new ArgumentException($"{what}: the body returns {returned.Length} carry tensors but receives {given.Length}");
        for (int i = 0; i < given.Length; i++)
        {
            if (given[i] != returned[i])
                throw new ArgumentException($"{what}: the body returns carry leaf {i} as {returned[i]} but receives it as {given[i]}; a carry keeps its shape and dtype");
        }
    }

    private static bool Truth(Tensor t, string what)
    {
        if (t.DType != DType.Bool || t.Shape.Size != 1)
            throw new ArgumentException($"{what}: the condition must return one bool element, got {t.Type}");
        return t.Item() != 0;
    }
}
