namespace Tracer.Compiler;

/// <summary>
/// The definition of a control-flow construct: closed sub-graphs (captured values are lifted to trailing inputs,
/// the construct's "consts"). Shared by every equation of one construct; results are picked by Attrs.Index.
/// </summary>
public abstract class ControlFlow
{
    /// <summary>Number of results (one equation each).</summary>
    public abstract int ResultCount { get; }

    /// <summary>The type of result <paramref name="index"/>.</summary>
    public abstract TensorType ResultType(int index);

    /// <summary>The scalar parameters in printed graphs, e.g. <c>length=3 carries=1 xs=1 consts=0</c>.</summary>
    public abstract string Parameters();

    /// <summary>The sub-graphs with the names printed graphs give them (<c>body</c>, <c>cond</c>, <c>branch0</c>...).</summary>
    public abstract IReadOnlyList<(string Name, Graph Graph)> NamedSubGraphs();

    /// <summary>A one-line summary (Graphviz labels, kernel labels): the parameters and each sub-graph's size.</summary>
    public string Describe()
    {
        var parts = new List<string> { Parameters() };
        foreach (var (name, graph) in NamedSubGraphs()) parts.Add($"{name}={{{graph.Equations.Count} eqns}}");
        return string.Join(" ", parts);
    }

    /// <summary>The sub-graphs a backend must compile to run this construct.</summary>
    public IEnumerable<Graph> SubGraphs()
    {
        foreach (var (_, graph) in NamedSubGraphs()) yield return graph;
    }

    /// <summary>
    /// Runs the construct on host arrays (the equation's inputs) and returns every result; <paramref name="run"/>
    /// evaluates one of <see cref="SubGraphs"/> (the reference interpreter, or a compiled executable).
    /// </summary>
    public abstract Array[] Run(Array[] inputs, Func<Graph, Array[], Array[]> run);

    /// <summary>Emits every result of the construct over <paramref name="inputs"/> into the current trace.</summary>
    public Node[] Emit(OpCode op, IReadOnlyList<Node> inputs)
    {
        var args = new Node[inputs.Count];
        for (int i = 0; i < args.Length; i++) args[i] = inputs[i];
        var results = new Node[ResultCount];
        for (int i = 0; i < results.Length; i++) results[i] = Ir.B.Emit(op, new Attrs { Control = this, Index = i }, args);
        return results;
    }

    /// <summary>The type of <paramref name="length"/> values of type <paramref name="t"/> stacked on a new leading axis.</summary>
    protected static TensorType Stacked(int length, TensorType t)
    {
        var dims = new int[t.Shape.Rank + 1];
        dims[0] = length;
        for (int i = 0; i < t.Shape.Rank; i++) dims[i + 1] = t.Shape[i];
        return new TensorType(new Shape(dims), t.DType);
    }
}

/// <summary>
/// scan: <c>for t in 0..Length (or reversed): (carry, y[t]) = Body(carry, xs[t], consts)</c>. Body inputs are
/// [carries (Carries), slices of xs (Xs), consts (Consts)]; outputs [new carries (Carries), ys...]. The equation's
/// inputs are [initial carries, stacked xs, consts]; its results [final carries, stacked ys].
/// </summary>
public sealed class ScanDef : ControlFlow
{
    /// <summary>A scan of <paramref name="length"/> steps of <paramref name="body"/>, whose inputs are carries, slices of xs and consts.</summary>
    public ScanDef(Graph body, int carries, int xs, int consts, int length, bool reverse)
    {
        if (body.Captures.Count > 0) throw new ArgumentException("scan: the body must have its captures lifted");
        if (body.Inputs.Count != carries + xs + consts)
            throw new ArgumentException($"scan: body has {body.Inputs.Count} inputs, expected {carries + xs + consts}");
        for (int i = 0; i < carries; i++)
        {
            if (body.Outputs[i].Type != body.Inputs[i].Type)
            {
                throw new ArgumentException(
                    $"scan: the body returns carry {i} as {body.Outputs[i].Type} but receives it as {body.Inputs[i].Type}; a carry keeps its type");
            }
        }
        Body = body;
        Carries = carries;
        Xs = xs;
        Consts = consts;
        Length = length;
        Reverse = reverse;
    }

    /// <summary>One step: [carries, x slices, consts] to [new carries, y slices].</summary>
    public Graph Body { get; }

    /// <summary>Number of loop-carried values.</summary>
    public int Carries { get; }

    /// <summary>Number of inputs scanned over their leading axis.</summary>
    public int Xs { get; }

    /// <summary>Number of inputs every step sees whole.</summary>
    public int Consts { get; }

    /// <summary>Number of steps (the leading axis of the xs).</summary>
    public int Length { get; }

    /// <summary>Whether the steps run from the last slice to the first.</summary>
    public bool Reverse { get; }

    /// <summary>Number of per-step outputs, stacked into results.</summary>
    public int Ys => Body.Outputs.Count - Carries;

    /// <inheritdoc/>
    public override int ResultCount => Body.Outputs.Count;

    /// <inheritdoc/>
    public override TensorType ResultType(int index) =>
        index < Carries ? Body.Outputs[index].Type : Stacked(Length, Body.Outputs[index].Type);

    /// <summary>Per-construct caches of derived definitions (filled by the rules, so CSE can share them).</summary>
    public object? WithHistory { get; set; }

    /// <summary>Cache of the derived reverse-mode definition, set by the scan rule.</summary>
    public object? Backward { get; set; }

    /// <summary>Cache of the derived forward-mode definition, set by the scan rule.</summary>
    public object? Forward { get; set; }

    /// <inheritdoc/>
    public override string Parameters() => $"length={Length} carries={Carries} xs={Xs} consts={Consts}{(Reverse ? " reverse" : "")}";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Graph Graph)> NamedSubGraphs() => [("body", Body)];

    /// <inheritdoc/>
    public override Array[] Run(Array[] inputs, Func<Graph, Array[], Array[]> run)
    {
        int c = Carries, x = Xs, k = Consts;
        var args = new Array[c + x + k];
        for (int i = 0; i < c; i++) args[i] = inputs[i];
        for (int i = 0; i < k; i++) args[c + x + i] = inputs[c + x + i];
        var ys = new Array[Ys];
        for (int j = 0; j < ys.Length; j++)
        {
            var t = ResultType(c + j);
            ys[j] = t.DType.NewArray(t.Shape.Size);
        }
        for (int step = 0; step < Length; step++)
        {
            int t = Reverse ? Length - 1 - step : step;
            for (int i = 0; i < x; i++) args[c + i] = Rows.Get(inputs[c + i], t, Body.Inputs[c + i].Type.Shape.Size);
            var outs = run(Body, args);
            for (int i = 0; i < c; i++) args[i] = outs[i];
            for (int j = 0; j < ys.Length; j++) Rows.Set(ys[j], t, outs[c + j]);
        }
        var results = new Array[c + ys.Length];
        for (int i = 0; i < c; i++) results[i] = (Array)args[i].Clone();
        for (int j = 0; j < ys.Length; j++) results[c + j] = ys[j];
        return results;
    }
}

/// <summary>
/// while: <c>while Cond(carry, consts): carry = Body(carry, consts)</c>. Inputs [initial carries, consts]; results the
/// final carries. Forward-mode differentiable; reverse mode is refused (the trip count is unknown when tracing).
/// </summary>
public sealed class WhileDef : ControlFlow
{
    /// <summary>A loop running <paramref name="body"/> while <paramref name="cond"/> holds.</summary>
    public WhileDef(Graph cond, Graph body, int carries, int consts)
    {
        if (cond.Captures.Count > 0 || body.Captures.Count > 0) throw new ArgumentException("while: captures must be lifted");
        if (cond.Outputs.Count != 1 || cond.Outputs[0].DType != DType.Bool || cond.Outputs[0].Shape.Size != 1)
            throw new ArgumentException($"WhileLoop: the condition must return one bool element, got {cond.Outputs[0].Type}");
        for (int i = 0; i < carries; i++)
        {
            if (body.Outputs[i].Type != body.Inputs[i].Type)
                throw new ArgumentException($"WhileLoop: the body returns carry {i} as {body.Outputs[i].Type} but receives {body.Inputs[i].Type}");
        }
        Cond = cond;
        Body = body;
        Carries = carries;
        Consts = consts;
    }

    /// <summary>The condition: [carries, consts] to a bool scalar.</summary>
    public Graph Cond { get; }

    /// <summary>One iteration: [carries, consts] to new carries.</summary>
    public Graph Body { get; }

    /// <summary>Number of loop-carried values.</summary>
    public int Carries { get; }

    /// <summary>Number of inputs every iteration sees unchanged.</summary>
    public int Consts { get; }

    /// <summary>The loop over [carries, carry tangents] (filled by the JVP rule, so CSE can share it).</summary>
    public object? Forward { get; set; }

    /// <inheritdoc/>
    public override int ResultCount => Carries;

    /// <inheritdoc/>
    public override TensorType ResultType(int index) => Body.Outputs[index].Type;

    /// <inheritdoc/>
    public override string Parameters() => $"carries={Carries} consts={Consts}";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Graph Graph)> NamedSubGraphs() => [("cond", Cond), ("body", Body)];

    /// <inheritdoc/>
    public override Array[] Run(Array[] inputs, Func<Graph, Array[], Array[]> run)
    {
        var state = (Array[])inputs.Clone();
        while (((bool[])run(Cond, state)[0])[0])
        {
            var next = run(Body, state);
            for (int i = 0; i < Carries; i++) state[i] = next[i];
        }
        var results = new Array[Carries];
        for (int i = 0; i < Carries; i++) results[i] = (Array)state[i].Clone();
        return results;
    }
}

/// <summary>
/// switch: runs <c>Branches[clamp(index)]</c> on the operands. Inputs [index (i32 scalar), operands...]; every branch
/// takes all operands and returns results of the same types.
/// </summary>
public sealed class SwitchDef : ControlFlow
{
    /// <summary>A switch over <paramref name="branches"/>, which take and return values of the same types.</summary>
    public SwitchDef(Graph[] branches)
    {
        if (branches.Length == 0) throw new ArgumentException("switch: needs at least one branch");
        for (int b = 1; b < branches.Length; b++)
        {
            if (branches[b].Outputs.Count != branches[0].Outputs.Count)
                throw new ArgumentException($"Cond/Switch: branch {b} returns {branches[b].Outputs.Count} values, branch 0 returns {branches[0].Outputs.Count}");
            for (int i = 0; i < branches[0].Outputs.Count; i++)
            {
                if (branches[b].Outputs[i].Type != branches[0].Outputs[i].Type)
                {
                    throw new ArgumentException(
                        $"Cond/Switch: branches must return the same types, but result {i} is {branches[0].Outputs[i].Type} in branch 0 and {branches[b].Outputs[i].Type} in branch {b}");
                }
            }
        }
        Branches = branches;
    }

    /// <summary>The alternatives, chosen by the clamped index.</summary>
    public Graph[] Branches { get; }

    /// <inheritdoc/>
    public override int ResultCount => Branches[0].Outputs.Count;

    /// <inheritdoc/>
    public override TensorType ResultType(int index) => Branches[0].Outputs[index].Type;

    /// <summary>Cache of the derived reverse-mode definition, set by the switch rule.</summary>
    public object? Backward { get; set; }

    /// <summary>Cache of the derived forward-mode definition, set by the switch rule.</summary>
    public object? Forward { get; set; }

    /// <inheritdoc/>
    public override string Parameters() => $"branches={Branches.Length}";

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Graph Graph)> NamedSubGraphs()
    {
        var named = new (string, Graph)[Branches.Length];
        for (int b = 0; b < named.Length; b++) named[b] = ($"branch{b}", Branches[b]);
        return named;
    }

    /// <inheritdoc/>
    public override Array[] Run(Array[] inputs, Func<Graph, Array[], Array[]> run)
    {
        int index = Math.Clamp(((int[])inputs[0])[0], 0, Branches.Length - 1);
        return run(Branches[index], inputs[1..]);
    }
}

/// <summary>Rows of a stacked host array (axis 0).</summary>
public static class Rows
{
    /// <summary>A copy of row <paramref name="row"/> (<paramref name="rowSize"/> elements) of a stacked array.</summary>
    public static Array Get(Array stacked, int row, int rowSize)
    {
        var result = Array.CreateInstance(stacked.GetType().GetElementType()!, rowSize);
        Array.Copy(stacked, row * rowSize, result, 0, rowSize);
        return result;
    }

    /// <summary>Copies <paramref name="value"/> into row <paramref name="row"/> of a stacked array.</summary>
    public static void Set(Array stacked, int row, Array value) => Array.Copy(value, 0, stacked, row * value.Length, value.Length);
}
