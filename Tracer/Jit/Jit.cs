using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Function transformations. Each returns a plain delegate that caches compiled code by the signature of its
/// arguments (tree structure, shapes, dtypes, devices, static leaves) and traces the function again on a new
/// signature. Every returned delegate can be called inside another traced function, so transforms compose:
/// <c>Jit.Grad(Jit.Grad(f))</c>, <c>Jit.Compile(Jit.Grad(f))</c>, <c>Jit.Trace(Jit.Grad(f), x)</c>.
/// The first argument is the one differentiated; the others are data.
/// </summary>
public static partial class Jit
{
    /// <summary>The compilation cache shared by every transformed function.</summary>
    public static JitCache Cache { get; } = new();

    /// <summary>Process-wide compiler switches: DebugNans, stage verification, dumps, CPU threads.</summary>
    public static JitConfig Config { get; } = new();

    // ---- Compile ------------------------------------------------------------------------------------------

    /// <summary>
    /// <paramref name="f"/> compiled: the first call with a new argument signature (tree structure, shapes, dtypes,
    /// device) traces <paramref name="f"/> once over symbolic tensors, optimises and fuses the graph and generates code for the
    /// arguments' device; later calls with that signature run the compiled code without calling <paramref name="f"/>. So
    /// <paramref name="f"/> must be pure: its side effects happen at trace time only, and C# control flow on tensor values is an
    /// error (use Ops.Where, Ops.Cond or Ops.Scan). Arguments and results are trees of tensors (a Tensor, arrays, lists,
    /// tuples, records or classes of them); non-tensor leaves are static and part of the signature.
    /// </summary>
    public static Func<T, R> Compile<T, R>(Func<T, R> f)
    {
        var s = Stage<ValueTuple<T>, R>("Compile", f, a => f(a.Item1), CompileStage<ValueTuple<T>>.Instance);
        return t => Rebuild(s.Call(new ValueTuple<T>(t)));
    }

    /// <summary>
    /// <paramref name="f"/> compiled: the first call with a new argument signature (tree structure, shapes, dtypes,
    /// device) traces <paramref name="f"/> once over symbolic tensors, optimises and fuses the graph and generates code for the
    /// arguments' device; later calls with that signature run the compiled code without calling <paramref name="f"/>. So
    /// <paramref name="f"/> must be pure: its side effects happen at trace time only, and C# control flow on tensor values is an
    /// error (use Ops.Where, Ops.Cond or Ops.Scan). Arguments and results are trees of tensors (a Tensor, arrays, lists,
    /// tuples, records or classes of them); non-tensor leaves are static and part of the signature.
    /// </summary>
    /// <remarks>Two arguments: each is a tree, both are part of the signature.</remarks>
    public static Func<T, A, R> Compile<T, A, R>(Func<T, A, R> f)
    {
        var s = Stage<(T, A), R>("Compile", f, a => f(a.Item1, a.Item2), CompileStage<(T, A)>.Instance);
        return (t, a) => Rebuild(s.Call((t, a)));
    }

    /// <summary>
    /// <paramref name="f"/> compiled: the first call with a new argument signature (tree structure, shapes, dtypes,
    /// device) traces <paramref name="f"/> once over symbolic tensors, optimises and fuses the graph and generates code for the
    /// arguments' device; later calls with that signature run the compiled code without calling <paramref name="f"/>. So
    /// <paramref name="f"/> must be pure: its side effects happen at trace time only, and C# control flow on tensor values is an
    /// error (use Ops.Where, Ops.Cond or Ops.Scan). Arguments and results are trees of tensors (a Tensor, arrays, lists,
    /// tuples, records or classes of them); non-tensor leaves are static and part of the signature.
    /// </summary>
    /// <remarks>Three arguments: each is a tree, all are part of the signature.</remarks>
    public static Func<T, A, B, R> Compile<T, A, B, R>(Func<T, A, B, R> f)
    {
        var s = Stage<(T, A, B), R>("Compile", f, a => f(a.Item1, a.Item2, a.Item3), CompileStage<(T, A, B)>.Instance);
        return (t, a, b) => Rebuild(s.Call((t, a, b)));
    }

    /// <summary>
    /// <paramref name="f"/> compiled: the first call with a new argument signature (tree structure, shapes, dtypes,
    /// device) traces <paramref name="f"/> once over symbolic tensors, optimises and fuses the graph and generates code for the
    /// arguments' device; later calls with that signature run the compiled code without calling <paramref name="f"/>. So
    /// <paramref name="f"/> must be pure: its side effects happen at trace time only, and C# control flow on tensor values is an
    /// error (use Ops.Where, Ops.Cond or Ops.Scan). Arguments and results are trees of tensors (a Tensor, arrays, lists,
    /// tuples, records or classes of them); non-tensor leaves are static and part of the signature.
    /// </summary>
    /// <remarks>Four arguments: each is a tree, all are part of the signature.</remarks>
    public static Func<T, A, B, C, R> Compile<T, A, B, C, R>(Func<T, A, B, C, R> f)
    {
        var s = Stage<(T, A, B, C), R>("Compile", f, a => f(a.Item1, a.Item2, a.Item3, a.Item4), CompileStage<(T, A, B, C)>.Instance);
        return (t, a, b, c) => Rebuild(s.Call((t, a, b, c)));
    }

    // ---- Grad ---------------------------------------------------------------------------------------------

    /// <summary>The gradient of a scalar loss w.r.t. its argument; the result has the argument's structure.</summary>
    public static Func<T, T> Grad<T>(Func<T, Tensor> f)
    {
        var s = Stage<ValueTuple<T>, Tensor>("Grad", f, a => f(a.Item1), new GradStage<ValueTuple<T>>(a => CountLeaves(a.Item1), withValue: false));
        return t => GradTree(t, s.Call(new ValueTuple<T>(t)).Outputs, 0);
    }

    /// <summary>
    /// The gradient of the scalar loss <paramref name="f"/> with respect to its first argument only, as a tree of the
    /// first argument's structure; the other arguments (data, labels, flags) are inputs that are not differentiated.
    /// Compiled and cached per signature like <see cref="Compile{T, R}(Func{T, R})"/>. Every leaf of the first argument must be
    /// f32 or f64, and the loss one float tensor with exactly one element; anything else is an
    /// <see cref="ArgumentException"/> that names the offending type.
    /// </summary>
    public static Func<T, A, T> Grad<T, A>(Func<T, A, Tensor> f)
    {
        var s = Stage<(T, A), Tensor>("Grad", f, a => f(a.Item1, a.Item2), new GradStage<(T, A)>(a => CountLeaves(a.Item1), withValue: false));
        return (t, a) => GradTree(t, s.Call((t, a)).Outputs, 0);
    }

    /// <summary>
    /// The gradient of the scalar loss <paramref name="f"/> with respect to its first argument only, as a tree of the
    /// first argument's structure; the other arguments (data, labels, flags) are inputs that are not differentiated.
    /// Compiled and cached per signature like <see cref="Compile{T, R}(Func{T, R})"/>. Every leaf of the first argument must be
    /// f32 or f64, and the loss one float tensor with exactly one element; anything else is an
    /// <see cref="ArgumentException"/> that names the offending type.
    /// </summary>
    public static Func<T, A, B, T> Grad<T, A, B>(Func<T, A, B, Tensor> f)
    {
        var s = Stage<(T, A, B), Tensor>("Grad", f, a => f(a.Item1, a.Item2, a.Item3), new GradStage<(T, A, B)>(a => CountLeaves(a.Item1), withValue: false));
        return (t, a, b) => GradTree(t, s.Call((t, a, b)).Outputs, 0);
    }

    /// <summary>
    /// The gradient of the scalar loss <paramref name="f"/> with respect to its first argument only, as a tree of the
    /// first argument's structure; the other arguments (data, labels, flags) are inputs that are not differentiated.
    /// Compiled and cached per signature like <see cref="Compile{T, R}(Func{T, R})"/>. Every leaf of the first argument must be
    /// f32 or f64, and the loss one float tensor with exactly one element; anything else is an
    /// <see cref="ArgumentException"/> that names the offending type.
    /// </summary>
    public static Func<T, A, B, C, T> Grad<T, A, B, C>(Func<T, A, B, C, Tensor> f)
    {
        var s = Stage<(T, A, B, C), Tensor>("Grad", f, a => f(a.Item1, a.Item2, a.Item3, a.Item4), new GradStage<(T, A, B, C)>(a => CountLeaves(a.Item1), withValue: false));
        return (t, a, b, c) => GradTree(t, s.Call((t, a, b, c)).Outputs, 0);
    }

    // ---- ValueAndGrad -------------------------------------------------------------------------------------

    /// <summary>
    /// The loss and its gradient with respect to the first argument from one compiled forward-and-backward pass
    /// (cheaper than calling <paramref name="f"/> and <see cref="Grad{T}"/> separately): <c>Value</c> is the scalar loss,
    /// <c>Grad</c> a tree of the first argument's structure. The loss must be a float scalar.
    /// </summary>
    public static Func<T, (Tensor Value, T Grad)> ValueAndGrad<T>(Func<T, Tensor> f)
    {
        var s = Stage<ValueTuple<T>, Tensor>("ValueAndGrad", f, a => f(a.Item1), new GradStage<ValueTuple<T>>(a => CountLeaves(a.Item1), withValue: true));
        return t => ValueAndGradTree(t, s.Call(new ValueTuple<T>(t)).Outputs);
    }

    /// <summary>
    /// The loss and its gradient with respect to the first argument from one compiled forward-and-backward pass
    /// (cheaper than calling <paramref name="f"/> and <see cref="Grad{T}"/> separately): <c>Value</c> is the scalar loss,
    /// <c>Grad</c> a tree of the first argument's structure. The second argument (typically a batch) is an input
    /// that is not differentiated. The typical training step: <c>var (loss, grads) = valueAndGrad(model, batch);</c>
    /// </summary>
    public static Func<T, A, (Tensor Value, T Grad)> ValueAndGrad<T, A>(Func<T, A, Tensor> f)
    {
        var s = Stage<(T, A), Tensor>("ValueAndGrad", f, a => f(a.Item1, a.Item2), new GradStage<(T, A)>(a => CountLeaves(a.Item1), withValue: true));
        return (t, a) => ValueAndGradTree(t, s.Call((t, a)).Outputs);
    }

    /// <summary>
    /// The loss and its gradient with respect to the first argument from one compiled forward-and-backward pass
    /// (cheaper than calling <paramref name="f"/> and <see cref="Grad{T}"/> separately): <c>Value</c> is the scalar loss,
    /// <c>Grad</c> a tree of the first argument's structure. The other arguments (e.g. inputs and labels) are not
    /// differentiated.
    /// </summary>
    public static Func<T, A, B, (Tensor Value, T Grad)> ValueAndGrad<T, A, B>(Func<T, A, B, Tensor> f)
    {
        var s = Stage<(T, A, B), Tensor>("ValueAndGrad", f, a => f(a.Item1, a.Item2, a.Item3), new GradStage<(T, A, B)>(a => CountLeaves(a.Item1), withValue: true));
        return (t, a, b) => ValueAndGradTree(t, s.Call((t, a, b)).Outputs);
    }

    /// <summary>
    /// The loss and its gradient with respect to the first argument from one compiled forward-and-backward pass
    /// (cheaper than calling <paramref name="f"/> and <see cref="Grad{T}"/> separately): <c>Value</c> is the scalar loss,
    /// <c>Grad</c> a tree of the first argument's structure. The other arguments are not differentiated.
    /// </summary>
    public static Func<T, A, B, C, (Tensor Value, T Grad)> ValueAndGrad<T, A, B, C>(Func<T, A, B, C, Tensor> f)
    {
        var s = Stage<(T, A, B, C), Tensor>("ValueAndGrad", f, a => f(a.Item1, a.Item2, a.Item3, a.Item4), new GradStage<(T, A, B, C)>(a => CountLeaves(a.Item1), withValue: true));
        return (t, a, b, c) => ValueAndGradTree(t, s.Call((t, a, b, c)).Outputs);
    }

    // ---- Trace --------------------------------------------------------------------------------------------

    /// <summary>
    /// The graph <paramref name="f"/> traces to at the types of the given arguments. For a delegate returned by
    /// <see cref="Grad{T}"/> this is the differentiated graph. Number leaves appear as literals here (the compiled
    /// function traces them as inputs: see <see cref="Lower{T, R}(Func{T, R}, T)"/> for the graph it compiles).
    /// </summary>
    public static Graph Trace<T, R>(Func<T, R> f, T x) =>
        Stage<ValueTuple<T>, R>("Trace", f, a => f(a.Item1), TraceStage<ValueTuple<T>>.Instance).TraceGraph(new ValueTuple<T>(x), GraphBuilder.Current, out _);

    /// <summary>
    /// The graph <paramref name="f"/> traces to at the types of <paramref name="x"/> and <paramref name="a"/> (only
    /// their shapes, dtypes and structure matter; nothing runs). Print it to see the jaxpr-style equations.
    /// </summary>
    public static Graph Trace<T, A, R>(Func<T, A, R> f, T x, A a) =>
        Stage<(T, A), R>("Trace", f, v => f(v.Item1, v.Item2), TraceStage<(T, A)>.Instance).TraceGraph((x, a), GraphBuilder.Current, out _);

    /// <summary>The graph <paramref name="f"/> traces to at the types of the three arguments (nothing runs).</summary>
    public static Graph Trace<T, A, B, R>(Func<T, A, B, R> f, T x, A a, B b) =>
        Stage<(T, A, B), R>("Trace", f, v => f(v.Item1, v.Item2, v.Item3), TraceStage<(T, A, B)>.Instance).TraceGraph((x, a, b), GraphBuilder.Current, out _);

    /// <summary>The graph <paramref name="f"/> traces to at the types of the four arguments (nothing runs).</summary>
    public static Graph Trace<T, A, B, C, R>(Func<T, A, B, C, R> f, T x, A a, B b, C c) =>
        Stage<(T, A, B, C), R>("Trace", f, v => f(v.Item1, v.Item2, v.Item3, v.Item4), TraceStage<(T, A, B, C)>.Instance).TraceGraph((x, a, b, c), GraphBuilder.Current, out _);

    // ---- helpers ------------------------------------------------------------------------------------------

    private static StagedFunction<TArgs, R> Stage<TArgs, R>(string transform, Delegate user, Func<TArgs, R> f, Stage<TArgs> stage)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new StagedFunction<TArgs, R>($"{transform}({FunctionName(user)})", f, stage);
    }

    /// <summary>A readable name for messages: the method name, without compiler-generated decoration.</summary>
    internal static string FunctionName(Delegate d) => Readable(d.Method.Name);

    /// <summary>
    /// <c>Loss</c> stays <c>Loss</c>; a lambda <c>&lt;Outer&gt;b__0_1</c> becomes <c>Outer.lambda</c>; a local function
    /// <c>&lt;Outer&gt;g__Loss|0_2</c> becomes <c>Loss</c>; top-level statements' <c>&lt;Main&gt;$</c> becomes <c>Main</c>.
    /// </summary>
    internal static string Readable(string name)
    {
        if (name.Length == 0 || name[0] != '<') return name;
        int depth = 0, close = -1;
        for (int i = 0; i < name.Length && close < 0; i++)
        {
            if (name[i] == '<') depth++;
            else if (name[i] == '>' && --depth == 0) close = i;
        }
        if (close < 0) return "lambda";
        string outer = Readable(name[1..close]);
        string rest = name[(close + 1)..];
        if (rest.StartsWith("g__", StringComparison.Ordinal))
        {
            int bar = rest.IndexOf('|');
            return bar > 3 ? rest[3..bar] : outer;
        }
        if (rest.StartsWith('$') || rest.Length == 0) return outer;   // <Main>$: the top-level program
        return outer.Length > 0 ? outer + ".lambda" : "lambda";
    }

    internal static int CountLeaves<T>(T value)
    {
        var leaves = new List<Tensor>();
        TreeAdapter<T>.Instance.Flatten(value, leaves, null);
        return leaves.Count;
    }

    internal static R Rebuild<TArgs, R>(StagedFunction<TArgs, R>.Result result)
    {
        int pos = 0;
        return TreeAdapter<R>.Instance.Rebuild(result.Template, result.Outputs, ref pos);
    }

    private static T GradTree<T>(T template, Tensor[] outputs, int start)
    {
        int pos = start;
        return TreeAdapter<T>.Instance.Rebuild(template, outputs, ref pos);
    }

    private static (Tensor, T) ValueAndGradTree<T>(T template, Tensor[] outputs) => (outputs[0], GradTree(template, outputs, 1));
}
