using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// User-defined differentiable operations, ChainRules-style: an <em>rrule</em> computes the output and returns the
/// pullback, which maps the output's cotangent to one cotangent per input. Both run under tracing, so the pullback
/// can reuse intermediates of the forward computation. The operation appears in printed graphs under its name.
/// </summary>
public static class Rule
{
    /// <summary>A differentiable operation of one input whose derivative is the pullback the forward returns (ChainRules-style rrule).</summary>
    public static Func<Tensor, Tensor> Define(string name, Func<Tensor, (Tensor Output, Func<Tensor, Tensor> Pullback)> rrule)
    {
        ArgumentNullException.ThrowIfNull(rrule);
        return x => CustomOps.Call(name, [x], a =>
        {
            var (y, pb) = rrule(a[0]);
            return (y, dy => [pb(dy)]);
        }, differentiable: true);
    }

    /// <summary>A custom operation of two inputs; the pullback returns one cotangent per input.</summary>
    public static Func<Tensor, Tensor, Tensor> Define(string name, Func<Tensor, Tensor, (Tensor Output, Func<Tensor, (Tensor, Tensor)> Pullback)> rrule)
    {
        ArgumentNullException.ThrowIfNull(rrule);
        return (x, y) => CustomOps.Call(name, [x, y], a =>
        {
            var (o, pb) = rrule(a[0], a[1]);
            return (o, dy =>
            {
                var (d0, d1) = pb(dy);
                return [d0, d1];
            });
        }, differentiable: true);
    }

    /// <summary>A custom operation of three inputs; the pullback returns one cotangent per input.</summary>
    public static Func<Tensor, Tensor, Tensor, Tensor> Define(string name, Func<Tensor, Tensor, Tensor, (Tensor Output, Func<Tensor, (Tensor, Tensor, Tensor)> Pullback)> rrule)
    {
        ArgumentNullException.ThrowIfNull(rrule);
        return (x, y, z) => CustomOps.Call(name, [x, y, z], a =>
        {
            var (o, pb) = rrule(a[0], a[1], a[2]);
            return (o, dy =>
            {
                var (d0, d1, d2) = pb(dy);
                return [d0, d1, d2];
            });
        }, differentiable: true);
    }

    /// <summary>A custom operation of four inputs; the pullback returns one cotangent per input.</summary>
    public static Func<Tensor, Tensor, Tensor, Tensor, Tensor> Define(string name, Func<Tensor, Tensor, Tensor, Tensor, (Tensor Output, Func<Tensor, (Tensor, Tensor, Tensor, Tensor)> Pullback)> rrule)
    {
        ArgumentNullException.ThrowIfNull(rrule);
        return (x, y, z, w) => CustomOps.Call(name, [x, y, z, w], a =>
        {
            var (o, pb) = rrule(a[0], a[1], a[2], a[3]);
            return (o, dy =>
            {
                var (d0, d1, d2, d3) = pb(dy);
                return [d0, d1, d2, d3];
            });
        }, differentiable: true);
    }

    /// <summary>
    /// Tests a one-input rule like ChainRulesTestUtils' test_rrule: primal value, pullback arity and shapes, and the
    /// cotangent for a random output cotangent against central finite differences (float64). Never throws for a
    /// failed check: the report says which input failed and by how much.
    /// </summary>
    public static RuleCheckReport Check(Func<Tensor, Tensor> op, Tensor x, Func<Tensor, Tensor>? reference = null, double rtol = 1e-5, double atol = 1e-7, int seed = 0) =>
        RuleChecker.Check(a => op(a[0]), [x], reference is null ? null : a => reference(a[0]), rtol, atol, seed);

    /// <summary>Checks a two-input rule at (x, y) against central finite differences, as the one-input overload does.</summary>
    public static RuleCheckReport Check(Func<Tensor, Tensor, Tensor> op, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor>? reference = null, double rtol = 1e-5, double atol = 1e-7, int seed = 0) =>
        RuleChecker.Check(a => op(a[0], a[1]), [x, y], reference is null ? null : a => reference(a[0], a[1]), rtol, atol, seed);

    /// <summary>Checks a three-input rule at (x, y, z) against central finite differences, as the one-input overload does.</summary>
    public static RuleCheckReport Check(Func<Tensor, Tensor, Tensor, Tensor> op, Tensor x, Tensor y, Tensor z, Func<Tensor, Tensor, Tensor, Tensor>? reference = null, double rtol = 1e-5, double atol = 1e-7, int seed = 0) =>
        RuleChecker.Check(a => op(a[0], a[1], a[2]), [x, y, z], reference is null ? null : a => reference(a[0], a[1], a[2]), rtol, atol, seed);

    /// <summary>An operation whose inputs receive no gradient (like a rule returning NoTangent for every input).</summary>
    public static Func<Tensor, Tensor> NonDifferentiable(string name, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => CustomOps.Call(name, [x], a => (f(a[0]), null), differentiable: false);
    }

    /// <summary>A named operation of two inputs that receive no gradient.</summary>
    public static Func<Tensor, Tensor, Tensor> NonDifferentiable(string name, Func<Tensor, Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return (x, y) => CustomOps.Call(name, [x, y], a => (f(a[0], a[1]), null), differentiable: false);
    }
}

/// <summary>Turns an rrule into a <see cref="OpCode.Custom"/> equation when traced, or runs its forward eagerly.</summary>
internal static class CustomOps
{
    public delegate (Tensor Output, Func<Tensor, Tensor?[]>? Pullback) RRule(Tensor[] args);

    public static Tensor Call(string name, Tensor[] args, RRule rrule, bool differentiable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        bool symbolic = false;
        foreach (var a in args)
        {
            ArgumentNullException.ThrowIfNull(a, name);
            symbolic |= a.IsSymbolic;
        }
        var outer = GraphBuilder.Current;
        if (!symbolic) return rrule(args).Output;
        if (outer is null) throw Dispatch.Escaped(Array.Find(args, a => a.IsSymbolic)!);

        var call = TraceDefinition(name, args, rrule, differentiable, outer, out var captured);
        var inputs = new Node[args.Length + captured.Length];
        for (int i = 0; i < args.Length; i++) inputs[i] = Dispatch.ToNode(args[i], outer);
        for (int i = 0; i < captured.Length; i++) inputs[args.Length + i] = outer.Resolve(captured[i]);
        return new Tensor(outer.Emit(OpCode.Custom, new Attrs { Custom = call }, inputs));
    }

    /// <summary>Traces forward and pullback together into one joint graph at the types of <paramref name="args"/>.</summary>
    private static CustomCall TraceDefinition(string name, Tensor[] args, RRule rrule, bool differentiable, GraphBuilder outer, out Node[] captured)
    {
        var builder = new GraphBuilder(Dispatch.Rules, outer);
        Graph joint;
        using (builder.Activate())
        {
            try
            {
                var xs = new Tensor[args.Length];
                for (int i = 0; i < xs.Length; i++) xs[i] = new Tensor(builder.Input(args[i].Type));
                var (y, pullback) = rrule(xs);
                if (y is null) throw new ArgumentException($"{name}: the rule returned no output");
                var dy = new Tensor(builder.Input(y.Type));
                var outputs = new List<Node> { Dispatch.ToNode(y, builder) };
                if (differentiable)
                {
                    if (pullback is null) throw new ArgumentException($"{name}: the rule returned no pullback");
                    var dxs = pullback(dy);
                    if (dxs.Length != xs.Length)
                        throw new ArgumentException($"{name}: the pullback returned {dxs.Length} cotangents for {xs.Length} inputs");
                    for (int i = 0; i < xs.Length; i++) outputs.Add(Cotangent(name, i, dxs[i], xs[i], builder));
                }
                joint = builder.Build(outputs);
            }
            catch
            {
                builder.Abandon();
                throw;
            }
        }
        var lifted = LiftCaptures.Run(joint, out captured);
        return new CustomCall(name, lifted, args.Length, differentiable);
    }

    /// <summary>The cotangent of input <paramref name="i"/> as a node of the input's type (null means zero).</summary>
    private static Node Cotangent(string name, int i, Tensor? dx, Tensor x, GraphBuilder builder)
    {
        if (dx is null || !x.DType.IsFloat()) return Ir.Full(x.Shape, 0, x.DType);
        if (dx.Shape != x.Shape)
        {
            throw new ArgumentException(
                $"{name}: the pullback's cotangent for input {i} has shape {dx.Shape} but the input has shape {x.Shape}; " +
                "a pullback must return one cotangent per input, shaped like that input (sum over broadcast axes)");
        }
        // A silent cast would hide bugs: an i32 cotangent truncates the gradient (often to 0), an f64 one means the
        // pullback computed in another precision than its input.
        if (dx.DType != x.DType)
        {
            throw new ArgumentException(
                $"{name}: the pullback's cotangent for input {i} is {dx.Type} but the input is {x.Type}; a cotangent must " +
                $"have its input's dtype: compute it from the output's cotangent and the inputs, or Cast it to {x.DType.ShortName()}");
        }
        return Dispatch.ToNode(dx, builder);
    }
}
