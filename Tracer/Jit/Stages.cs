using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// What a staged function does with its traced graph: the transform between tracing and compilation. The types
/// the function is traced at may differ from the call's (vmap traces one example of a batch).
/// </summary>
internal abstract class Stage<TArgs>
{
    /// <summary>Leaf types to trace the function at, given the call's leaf types.</summary>
    public virtual TensorType[] TraceTypes(TArgs args, TensorType[] callTypes) => callTypes;

    /// <summary>
    /// Whether double and float leaves are traced inputs (after the tensor leaves). Forward mode pairs primal and
    /// tangent leaves one to one, so it keeps them static.
    /// </summary>
    public virtual bool TracesScalars => true;

    public abstract Graph Apply(Graph traced, TArgs args, string name);
}

internal sealed class CompileStage<TArgs> : Stage<TArgs>
{
    public static readonly CompileStage<TArgs> Instance = new();

    public override Graph Apply(Graph traced, TArgs args, string name) => traced;
}

/// <summary>
/// <see cref="Jit.Trace{T, R}(Func{T, R}, T)"/>: the function's graph as written, numbers included as literals, so
/// that a printed or exported graph (ONNX) has one input per tensor leaf.
/// </summary>
internal sealed class TraceStage<TArgs> : Stage<TArgs>
{
    public static readonly TraceStage<TArgs> Instance = new();

    public override bool TracesScalars => false;

    public override Graph Apply(Graph traced, TArgs args, string name) => traced;
}

/// <summary>Reverse mode w.r.t. the leaves of the first argument; with or without the value.</summary>
/// <remarks>With <paramref name="hasAux"/>, output 0 is the loss and the rest (the auxiliary tree) is passed through.</remarks>
internal sealed class GradStage<TArgs>(Func<TArgs, int> firstArgLeaves, bool withValue, bool hasAux = false) : Stage<TArgs>
{
    public override Graph Apply(Graph traced, TArgs args, string name)
    {
        // The inputs first: an integer input usually makes the loss integer too, and the remedy is a float input.
        int n = firstArgLeaves(args);
        var wrt = new int[n];
        for (int i = 0; i < n; i++)
        {
            wrt[i] = i;
            var x = traced.Inputs[i];
            if (!x.DType.IsFloat())
            {
                throw new ArgumentException(
                    $"{name}: cannot differentiate with respect to leaf {i} of the first argument, of type {x.Type}: " +
                    "gradients exist for f32 and f64 only. Pass integer data as a later argument, or Cast it to a float type.");
            }
        }
        if (hasAux)
        {
            var loss = traced.Outputs[0];
            if (!loss.DType.IsFloat() || loss.Shape.Size != 1)
                throw new ArgumentException(
                    $"{name}: the first item of the returned pair must be the loss, one float tensor with exactly one element, but it is {loss.Type}; " +
                    "reduce it with Sum or Mean (or Cast an integer value to a float type)");
            return ReverseMode.ValueAndGrad(traced, wrt);
        }
        if (traced.Outputs.Count != 1 || !traced.Outputs[0].DType.IsFloat() || traced.Outputs[0].Shape.Size != 1)
        {
            string got = traced.Outputs.Count == 1 ? traced.Outputs[0].Type.ToString() : $"{traced.Outputs.Count} tensors";
            string fix = traced.Outputs.Count == 1 && traced.Outputs[0].Shape.Size == 1
                ? "compute the loss in f32 or f64 (Cast an integer or bool value)"
                : "reduce it with Sum or Mean, or use Jit.Vjp/Jacobian for non-scalar outputs (docs/sharp-bits.md)";
            throw new ArgumentException(
                $"{name}: the function must return one float tensor with exactly one element (the loss), but it returned {got}; {fix}");
        }
        var grad = ReverseMode.ValueAndGrad(traced, wrt);
        return withValue ? grad : grad.WithOutputs(1, n);
    }
}

/// <summary>Forward mode: the call's arguments are (primals, tangents) of one tree type.</summary>
internal sealed class JvpStage<TArgs>(Func<TArgs, int> primalLeaves) : Stage<TArgs>
{
    public override Graph Apply(Graph traced, TArgs args, string name) => ForwardMode.Jvp(traced, primalLeaves(args));

    public override bool TracesScalars => false;
}

/// <summary>Vectorising map: leaves carry a batch along per-leaf axes (-1: shared by every example).</summary>
internal sealed class VmapStage<TArgs>(Func<TArgs, int[]> leafAxes, int outAxis) : Stage<TArgs>
{
    public override TensorType[] TraceTypes(TArgs args, TensorType[] callTypes)
    {
        var axes = Padded(leafAxes(args), callTypes.Length);
        var result = new TensorType[callTypes.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int a = axes[i];
            if (a < 0)
            {
                result[i] = callTypes[i];
                continue;
            }
            var dims = new List<int>(callTypes[i].Shape.ToArray());
            if (a >= dims.Count) throw new ArgumentException($"Vmap: axis {a} is out of range for leaf {i} of type {callTypes[i]}");
            dims.RemoveAt(a);
            result[i] = new TensorType(new Shape(dims.ToArray()), callTypes[i].DType);
        }
        return result;
    }

    public override Graph Apply(Graph traced, TArgs args, string name)
    {
        var axes = Padded(leafAxes(args), traced.Inputs.Count);
        int size = BatchSize(args, axes, traced, name);
        var outAxes = new int[traced.Outputs.Count];
        for (int j = 0; j < outAxes.Length; j++)
        {
            int rank = traced.Outputs[j].Shape.Rank;
            if (outAxis < 0 || outAxis > rank)
                throw new ArgumentException($"{name}: out axis {outAxis} is out of range for output {j} of per-example type {traced.Outputs[j].Type}");
            outAxes[j] = outAxis;
        }
        return Batching.Vmap(traced, axes, outAxes, size);
    }

    /// <summary>The tensor leaves' axes, then -1 for the traced number leaves that follow them (shared by every example).</summary>
    private static int[] Padded(int[] axes, int count)
    {
        if (axes.Length >= count) return axes;
        var r = new int[count];
        Array.Fill(r, -1);
        axes.CopyTo(r, 0);
        return r;
    }

    private static int BatchSize(TArgs args, int[] axes, Graph traced, string name)
    {
        var leaves = new List<Tensor>();
        TreeAdapter<TArgs>.Instance.Flatten(args, leaves, null);
        int size = -1, first = -1;
        for (int i = 0; i < axes.Length; i++)
        {
            if (axes[i] < 0) continue;
            int n = leaves[i].Shape[axes[i]];
            if (size < 0)
            {
                size = n;
                first = i;
            }
            else if (n != size)
            {
                throw new ArgumentException(
                    $"{name}: mapped leaves disagree on the batch size: leaf {first} has {size} along its axis, leaf {i} ({leaves[i].Type}) has {n} along axis {axes[i]}");
            }
        }
        if (size < 0) throw new ArgumentException($"{name}: no argument is mapped; give at least one an axis");
        return size;
    }
}
