using static Tracer.Ops;

namespace Tracer.Training;

/// <summary>
/// An optimisation rule with explicit state, in the style of Optimisers.jl: nothing is collected implicitly and
/// nothing is mutated. <see cref="Init{T}"/> builds a state tree that mirrors the model; <see cref="Update{T}"/>
/// is pure and returns the new model and the new state.
/// </summary>
/// <remarks>
/// The update of a whole tree (every leaf, every slot, the step counter) is one traced function compiled with
/// <see cref="Jit.Compile{T, A, B, C, R}(Func{T, A, B, C, R})"/>; it is compiled once per tree signature (structure, shapes, dtypes) and
/// reused from the cache afterwards. Hyperparameters are constants of that graph, so an optimiser instance is
/// immutable: build a new one to change the learning rate. <see cref="Update{T}"/> may also be called inside a
/// traced function (for example a whole training step under <c>Jit.Compile</c>): it is traced through.
/// Per-step scalars (bias corrections) are computed in float64 and cast to each leaf's dtype.
/// </remarks>
public abstract class Optimiser
{
    private Func<Tensor[], Tensor[], Tensor, RuleState, (Tensor[] Params, Tensor Step, RuleState State)>? compiled;

    private protected Optimiser()
    {
    }

    /// <summary>Per-leaf state tensors (moments) this rule keeps, each the shape and dtype of its leaf.</summary>
    private protected abstract int SlotCount { get; }

    /// <summary>Initial values of scalar state shared by all leaves (e.g. NAdam's running product of momenta).</summary>
    private protected virtual double[] InitialScalars => [];

    /// <summary>Inner rules whose state nests in this one's (<see cref="OptimiserChain"/>).</summary>
    private protected virtual Optimiser[] InnerRules => [];

    /// <summary>
    /// The step each leaf takes (new parameter = parameter - delta) given the gradients (or the deltas of the
    /// previous rule in a chain). <paramref name="step"/> is the 1-based step number, float64.
    /// </summary>
    private protected abstract Tensor[] Deltas(Tensor step, Tensor[] parameters, Tensor[] grads, RuleState state, out RuleState next);

    /// <summary>The state of a fresh optimisation of <paramref name="model"/>: zeroed slots that mirror it, step 0.</summary>
    public OptimiserState<T> Init<T>(T model) => InitState(model, Tensor.Scalar(0.0));

    private OptimiserState<T> InitState<T>(T model, Tensor step)
    {
        var slots = new T[SlotCount];
        for (int k = 0; k < slots.Length; k++) slots[k] = Tree.Map(model, ZerosLike);
        var scalars = Array.ConvertAll(InitialScalars, v => Tensor.Scalar(v));
        var inner = Array.ConvertAll(InnerRules, r => r.InitState(model, step));
        return new OptimiserState<T>(step, slots, scalars, inner);
    }

    /// <summary>
    /// One optimisation step: returns the updated model and state; the arguments are not changed. <paramref name="grads"/>
    /// has the model's structure (as returned by <see cref="Jit.Grad{T}(Func{T, Tensor})"/>).
    /// </summary>
    public (T Model, OptimiserState<T> State) Update<T>(T model, T grads, OptimiserState<T> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var p = Tree.Leaves(model);
        var g = Tree.Leaves(grads);
        if (p.Length != g.Length || Tree.Structure(model) != Tree.Structure(grads))
            throw new ArgumentException($"{GetType().Name}.Update: the gradients do not have the model's structure: {Tree.Structure(model)} vs {Tree.Structure(grads)}");
        for (int i = 0; i < p.Length; i++)
        {
            if (!p[i].DType.IsFloat())
                throw new ArgumentException($"{GetType().Name}.Update: the model's leaf at '{LeafName(model, i)}' is {p[i].Type}; optimisers update float (f32 or f64) leaves only: keep integer data out of the model or pass it as a separate argument");
        }
        CheckStep(state.Step);
        var flat = Flatten(model, state, p);
        compiled ??= Jit.Compile<Tensor[], Tensor[], Tensor, RuleState, (Tensor[], Tensor, RuleState)>(Traced);
        var (newParams, step, newState) = compiled(p, g, state.Step, flat);
        return (Tree.Unflatten(model, newParams), Unflatten(model, step, newState));
    }

    private (Tensor[], Tensor, RuleState) Traced(Tensor[] p, Tensor[] g, Tensor step, RuleState state)
    {
        var t = step + 1.0;
        var deltas = Deltas(t, p, g, state, out var next);
        var updated = new Tensor[p.Length];
        for (int i = 0; i < p.Length; i++) updated[i] = p[i] - deltas[i];
        return (updated, t, next);
    }

    /// <summary>Runs this rule as part of another (used by <see cref="OptimiserChain"/>).</summary>
    private protected Tensor[] InnerDeltas(Optimiser rule, Tensor step, Tensor[] parameters, Tensor[] grads, RuleState state, out RuleState next) =>
        rule.Deltas(step, parameters, grads, state, out next);

    private RuleState Flatten<T>(T model, OptimiserState<T> state, Tensor[] p)
    {
        ArgumentNullException.ThrowIfNull(state, $"{GetType().Name}.Update: state");
        if (state.Slots is null || state.Scalars is null || state.Inner is null
            || state.Slots.Length != SlotCount || state.Scalars.Length != InitialScalars.Length || state.Inner.Length != InnerRules.Length)
            throw new ArgumentException($"{GetType().Name}.Update: the state was not made by this optimiser's Init (expected {SlotCount} slots, {InitialScalars.Length} scalars, {InnerRules.Length} inner states)");
        var slots = new Tensor[SlotCount][];
        for (int k = 0; k < slots.Length; k++)
        {
            slots[k] = Tree.Leaves(state.Slots[k]);
            if (slots[k].Length != p.Length) throw new ArgumentException($"{GetType().Name}.Update: the state does not mirror the model ({slots[k].Length} leaves vs {p.Length})");
            CheckLeaves(model, p, slots[k], $"state slot {k}");
        }
        for (int k = 0; k < state.Scalars.Length; k++)
        {
            var s = state.Scalars[k];
            if (s is null || s.DType != DType.Float64 || s.Shape.Rank != 0)
                throw new ArgumentException($"{GetType().Name}.Update: state scalar {k} must be an f64[] scalar as Init makes it, got {s?.Type.ToString() ?? "null"}");
        }
        var inner = new RuleState[InnerRules.Length];
        for (int j = 0; j < inner.Length; j++) inner[j] = InnerRules[j].Flatten(model, state.Inner[j], p);
        return new RuleState(slots, state.Scalars, inner);
    }

    /// <summary>
    /// (The gradients' shapes and dtypes are compared by the structure check in <see cref="Update{T}"/>.)
    /// Every leaf of <paramref name="other"/> must have the shape and dtype of the model's leaf at the same
    /// position: the compiled update would otherwise broadcast a wrong-shaped state into the model (returning
    /// parameters of the state's shape) or promote an f32 model to f64. The message names the leaf's path.
    /// </summary>
    private void CheckLeaves<T>(T model, Tensor[] p, Tensor[] other, string what)
    {
        for (int i = 0; i < p.Length; i++)
        {
            if (other[i].DType == p[i].DType && other[i].Shape == p[i].Shape) continue;
            throw new ArgumentException(
                $"{GetType().Name}.Update: {what} at leaf '{LeafName(model, i)}' is {other[i].Type} but the " +
                $"model's leaf is {p[i].Type}; build the state with Init(model) for this model (Init mirrors each leaf's shape and dtype)");
        }
    }

    private static string LeafName<T>(T model, int i) => Tree.Paths(model)[i] is { Length: > 0 } path ? path : "(the root)";

    private void CheckStep(Tensor step)
    {
        if (step is null || step.DType != DType.Float64 || step.Shape.Rank != 0)
            throw new ArgumentException($"{GetType().Name}.Update: the state's step must be an f64[] scalar as Init makes it, got {step?.Type.ToString() ?? "null"}");
    }

    private OptimiserState<T> Unflatten<T>(T model, Tensor step, RuleState state)
    {
        var slots = Array.ConvertAll(state.Slots, leaves => Tree.Unflatten(model, leaves));
        var inner = new OptimiserState<T>[InnerRules.Length];
        for (int j = 0; j < inner.Length; j++) inner[j] = InnerRules[j].Unflatten(model, step, state.Inner[j]);
        return new OptimiserState<T>(step, slots, state.Scalars, inner);
    }

    /// <summary>
    /// Applies a per-leaf rule: <paramref name="leaf"/> gets the parameter, the gradient and that leaf's slots
    /// (an array it overwrites with the new slot values) and returns the leaf's delta. Scalars pass through.
    /// </summary>
    private protected static Tensor[] PerLeaf(Tensor[] p, Tensor[] g, RuleState state, out RuleState next, Func<Tensor, Tensor, Tensor[], Tensor> leaf)
    {
        int slotCount = state.Slots.Length;
        var newSlots = new Tensor[slotCount][];
        for (int k = 0; k < slotCount; k++) newSlots[k] = new Tensor[p.Length];
        var deltas = new Tensor[p.Length];
        var mine = new Tensor[slotCount];
        for (int i = 0; i < p.Length; i++)
        {
            for (int k = 0; k < slotCount; k++) mine[k] = state.Slots[k][i];
            deltas[i] = leaf(p[i], g[i], mine);
            for (int k = 0; k < slotCount; k++) newSlots[k][i] = mine[k];
        }
        next = new RuleState(newSlots, state.Scalars, state.Inner);
        return deltas;
    }

    // State lives on its leaf's device, so an update runs there.
    private static Tensor ZerosLike(Tensor x) => Tensor.Zeros(x.DType, x.Shape.ToArray()).To(x.Device);

    /// <summary>A float64 scalar of the graph cast to the dtype of <paramref name="like"/>.</summary>
    private protected static Tensor As(Tensor scalar, Tensor like) => scalar.DType == like.DType ? scalar : Cast(scalar, like.DType);
}

/// <summary>
/// The state of an <see cref="Optimiser"/> for a model of type <typeparamref name="T"/>. It is itself a parameter
/// tree, so it can be saved, inspected or passed through <c>Jit</c> functions.
/// </summary>
/// <param name="Step">Steps taken so far (float64 scalar).</param>
/// <param name="Slots">Per-leaf state, each mirroring the model: e.g. Adam's first and second moments.</param>
/// <param name="Scalars">State shared by all leaves (e.g. NAdam's product of momentum factors).</param>
/// <param name="Inner">The states of wrapped rules (<see cref="OptimiserChain"/>), in order.</param>
public sealed record OptimiserState<T>(Tensor Step, T[] Slots, Tensor[] Scalars, OptimiserState<T>[] Inner);

/// <summary>The flattened form of <see cref="OptimiserState{T}"/> that the compiled update sees: slot k, leaf i.</summary>
internal sealed record RuleState(Tensor[][] Slots, Tensor[] Scalars, RuleState[] Inner);
