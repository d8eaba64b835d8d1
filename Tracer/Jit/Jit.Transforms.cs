using static Tracer.Ops;

namespace Tracer;

public static partial class Jit
{
    // ---- forward mode -------------------------------------------------------------------------------------

    /// <summary>
    /// Forward mode: <c>jvp(x, t)</c> returns f(x) and the directional derivative J·t, with t shaped like x.
    /// One pass, whatever the output size.
    /// </summary>
    public static Func<T, T, (R Value, R Tangent)> Jvp<T, R>(Func<T, R> f)
    {
        var s = Stage<(T, T), R>("Jvp", f, a => f(a.Item1), new JvpStage<(T, T)>(a => CountLeaves(a.Item1)));
        return (x, t) =>
        {
            var result = s.Call((x, t));
            int pos = 0;
            var value = TreeAdapter<R>.Instance.Rebuild(result.Template, result.Outputs, ref pos);
            var tangent = TreeAdapter<R>.Instance.Rebuild(result.Template, result.Outputs, ref pos);
            return (value, tangent);
        };
    }

    // ---- reverse mode with an explicit pullback -------------------------------------------------------------

    /// <summary>
    /// Reverse mode with the pullback returned: <c>vjp(x)</c> gives f(x) and a function mapping a cotangent shaped
    /// like f(x) to one shaped like x (Jᵀ·ct). Both parts are compiled and cached like any Jit delegate.
    /// </summary>
    public static Func<T, (R Value, Func<R, T> Pullback)> Vjp<T, R>(Func<T, R> f)
    {
        var value = Compile(f);
        var pullback = Grad((T x, R ct) => Pairing(f(x), ct));
        return x => (value(x), ct => pullback(x, ct));
    }

    /// <summary>Σ over leaves of sum(a ⊙ b): the scalar whose gradient w.r.t. the inputs of a is Jᵀb.</summary>
    private static Tensor Pairing<R>(R a, R b)
    {
        var la = Tree.Leaves(a);
        var lb = Tree.Leaves(b);
        Tensor? total = null;
        for (int i = 0; i < la.Length; i++)
        {
            if (!la[i].DType.IsFloat()) continue;
            var term = Sum(la[i] * lb[i]);
            total = total is null ? term : total + term;
        }
        return total ?? Tensor.Scalar(0f);
    }

    // ---- Jacobian and Hessian ---------------------------------------------------------------------------------

    /// <summary>Whether <paramref name="g"/> or a body nested in it has a while loop.</summary>
    private static bool HasWhileLoop(Graph g)
    {
        foreach (var eq in g.Equations)
        {
            if (eq.Op == Compiler.OpCode.While) return true;
            if (eq.Attrs.Control is { } def)
            {
                foreach (var sub in def.SubGraphs())
                {
                    if (HasWhileLoop(sub)) return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// The full Jacobian, shaped output shape ++ input shape. Built from one batched pass: reverse mode (a vmapped
    /// VJP over the output basis) when the output is smaller than the input, forward mode otherwise
    /// (and always through a while loop, which reverse mode cannot differentiate).
    /// </summary>
    public static Func<Tensor, Tensor> Jacobian(Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var jvp = Jvp(f);
        var pullback = Grad((Tensor x, Tensor ct) => Sum(f(x) * ct));
        var forwardColumns = Vmap((Tensor t, Tensor x) => jvp(x, t).Tangent, [0, null]);
        var reverseRows = Vmap((Tensor ct, Tensor x) => pullback(x, ct), [0, null]);
        return Compile((Tensor x) =>
        {
            var traced = Trace(f, x);    // for the output type and the primitives used (not part of the result)
            var outShape = traced.Outputs[0].Shape;
            int nIn = x.Shape.Size, nOut = outShape.Size;
            var jacShape = outShape.ToArray().Concat(x.Shape.ToArray()).ToArray();
            // Reverse mode needs fewer passes when the output is smaller, but cannot go through a while loop (its trip
            // count is unknown when tracing): then forward mode it is, whatever the sizes.
            if (nOut <= nIn && !HasWhileLoop(traced))
            {
                var rows = reverseRows(Basis(nOut, outShape, x.DType), x);                // [nOut, ...in]
                return Reshape(rows, jacShape);
            }
            var columns = forwardColumns(Basis(nIn, x.Shape, x.DType), x);                // [nIn, ...out]
            var perm = new int[columns.Shape.Rank];
            for (int i = 0; i < perm.Length - 1; i++) perm[i] = i + 1;
            return Reshape(Transpose(columns, perm), jacShape);                          // [...out, nIn]
        });
    }

    /// <summary>
    /// The Hessian of a one-element function, shaped input shape ++ input shape: the Jacobian of the gradient. The
    /// gradient's output is as large as its input, so that Jacobian is taken in reverse mode (reverse over reverse).
    /// </summary>
    public static Func<Tensor, Tensor> Hessian(Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jacobian(Grad(f));
    }

    /// <summary>The identity as n basis tensors of <paramref name="shape"/>: [n, ...shape].</summary>
    private static Tensor Basis(int n, Shape shape, DType dtype)
    {
        var eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        var dims = new int[shape.Rank + 1];
        dims[0] = n;
        for (int i = 0; i < shape.Rank; i++) dims[i + 1] = shape[i];
        return Cast(Tensor.FromArray(eye, dims), dtype);
    }

    // ---- Vmap -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Maps <paramref name="f"/> over axis <paramref name="inAxis"/> of every leaf of its argument and stacks the
    /// results along <paramref name="outAxis"/>, as one batched computation (no loop).
    /// </summary>
    public static Func<T, R> Vmap<T, R>(Func<T, R> f, int inAxis = 0, int outAxis = 0)
    {
        var s = Stage<ValueTuple<T>, R>("Vmap", f, a => f(a.Item1), new VmapStage<ValueTuple<T>>(a => SameAxis(CountLeaves(a.Item1), inAxis), outAxis));
        return x => Rebuild(s.Call(new ValueTuple<T>(x)));
    }

    /// <summary>Two arguments with one axis each (null: the argument is shared by every example, like JAX's None).</summary>
    public static Func<T, A, R> Vmap<T, A, R>(Func<T, A, R> f, int?[] inAxes, int outAxis = 0)
    {
        CheckAxes(inAxes, 2);
        var s = Stage<(T, A), R>("Vmap", f, a => f(a.Item1, a.Item2), new VmapStage<(T, A)>(
            a => [.. SameAxis(CountLeaves(a.Item1), inAxes[0]), .. SameAxis(CountLeaves(a.Item2), inAxes[1])], outAxis));
        return (x, a) => Rebuild(s.Call((x, a)));
    }

    /// <summary>
    /// Three arguments with one axis each (null: the argument is shared by every example, like JAX's None); at least
    /// one must be mapped, and every mapped leaf must have the same size along its axis. Results are stacked along
    /// <paramref name="outAxis"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inAxes"/> does not have three entries, an axis is out of range, or no argument is mapped.</exception>
    public static Func<T, A, B, R> Vmap<T, A, B, R>(Func<T, A, B, R> f, int?[] inAxes, int outAxis = 0)
    {
        CheckAxes(inAxes, 3);
        var s = Stage<(T, A, B), R>("Vmap", f, a => f(a.Item1, a.Item2, a.Item3), new VmapStage<(T, A, B)>(
            a => [.. SameAxis(CountLeaves(a.Item1), inAxes[0]), .. SameAxis(CountLeaves(a.Item2), inAxes[1]), .. SameAxis(CountLeaves(a.Item3), inAxes[2])], outAxis));
        return (x, a, b) => Rebuild(s.Call((x, a, b)));
    }

    private static void CheckAxes(int?[] inAxes, int arity)
    {
        ArgumentNullException.ThrowIfNull(inAxes);
        if (inAxes.Length != arity) throw new ArgumentException($"Vmap: {inAxes.Length} in-axes for {arity} arguments");
    }

    private static int[] SameAxis(int count, int? axis)
    {
        var axes = new int[count];
        Array.Fill(axes, axis ?? -1);
        return axes;
    }
}
