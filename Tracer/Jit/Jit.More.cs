using static Tracer.Ops;

namespace Tracer;

public static partial class Jit
{
    // ---- ValueAndGradWithAux (JAX's has_aux) ----------------------------------------------------------------

    /// <summary>
    /// The value and gradient of a loss that comes with auxiliary outputs (JAX's <c>has_aux</c>): <paramref name="f"/>
    /// returns <c>(Loss, Aux)</c>, the loss a one-element float tensor, the auxiliary part any tree (predictions,
    /// metrics, a new state); only the loss is differentiated.
    /// </summary>
    public static Func<T, (Tensor Value, X Aux, T Grad)> ValueAndGradWithAux<T, X>(Func<T, (Tensor Loss, X Aux)> f)
    {
        var s = Stage<ValueTuple<T>, (Tensor, X)>("ValueAndGradWithAux", f, a => f(a.Item1), new GradStage<ValueTuple<T>>(a => CountLeaves(a.Item1), withValue: true, hasAux: true));
        return t => AuxResult(t, s.Call(new ValueTuple<T>(t)));
    }

    /// <summary>As <see cref="ValueAndGradWithAux{T, X}(Func{T, ValueTuple{Tensor, X}})"/> with one data argument.</summary>
    public static Func<T, A, (Tensor Value, X Aux, T Grad)> ValueAndGradWithAux<T, A, X>(Func<T, A, (Tensor Loss, X Aux)> f)
    {
        var s = Stage<(T, A), (Tensor, X)>("ValueAndGradWithAux", f, a => f(a.Item1, a.Item2), new GradStage<(T, A)>(a => CountLeaves(a.Item1), withValue: true, hasAux: true));
        return (t, a) => AuxResult(t, s.Call((t, a)));
    }

    /// <summary>As <see cref="ValueAndGradWithAux{T, X}(Func{T, ValueTuple{Tensor, X}})"/> with two data arguments.</summary>
    public static Func<T, A, B, (Tensor Value, X Aux, T Grad)> ValueAndGradWithAux<T, A, B, X>(Func<T, A, B, (Tensor Loss, X Aux)> f)
    {
        var s = Stage<(T, A, B), (Tensor, X)>("ValueAndGradWithAux", f, a => f(a.Item1, a.Item2, a.Item3), new GradStage<(T, A, B)>(a => CountLeaves(a.Item1), withValue: true, hasAux: true));
        return (t, a, b) => AuxResult(t, s.Call((t, a, b)));
    }

    /// <summary>As <see cref="ValueAndGradWithAux{T, X}(Func{T, ValueTuple{Tensor, X}})"/> with three data arguments.</summary>
    public static Func<T, A, B, C, (Tensor Value, X Aux, T Grad)> ValueAndGradWithAux<T, A, B, C, X>(Func<T, A, B, C, (Tensor Loss, X Aux)> f)
    {
        var s = Stage<(T, A, B, C), (Tensor, X)>("ValueAndGradWithAux", f, a => f(a.Item1, a.Item2, a.Item3, a.Item4), new GradStage<(T, A, B, C)>(a => CountLeaves(a.Item1), withValue: true, hasAux: true));
        return (t, a, b, c) => AuxResult(t, s.Call((t, a, b, c)));
    }

    /// <summary>Outputs are the loss, the auxiliary leaves, then the gradient's leaves.</summary>
    private static (Tensor, X, T) AuxResult<TArgs, T, X>(T template, StagedFunction<TArgs, (Tensor, X)>.Result result)
    {
        int pos = 0;
        var (value, aux) = TreeAdapter<(Tensor, X)>.Instance.Rebuild(result.Template, result.Outputs, ref pos);
        return (value, aux, GradTree(template, result.Outputs, pos));
    }

    // ---- Vmap with four arguments ---------------------------------------------------------------------------

    /// <summary>Four arguments with one axis each (null: the argument is shared by every example, like JAX's None).</summary>
    public static Func<T, A, B, C, R> Vmap<T, A, B, C, R>(Func<T, A, B, C, R> f, int?[] inAxes, int outAxis = 0)
    {
        CheckAxes(inAxes, 4);
        var s = Stage<(T, A, B, C), R>("Vmap", f, a => f(a.Item1, a.Item2, a.Item3, a.Item4), new VmapStage<(T, A, B, C)>(
            a => [.. SameAxis(CountLeaves(a.Item1), inAxes[0]), .. SameAxis(CountLeaves(a.Item2), inAxes[1]),
                  .. SameAxis(CountLeaves(a.Item3), inAxes[2]), .. SameAxis(CountLeaves(a.Item4), inAxes[3])], outAxis));
        return (x, a, b, c) => Rebuild(s.Call((x, a, b, c)));
    }

    // ---- Jacobian and Hessian over trees --------------------------------------------------------------------

    /// <summary>
    /// The Jacobian of <paramref name="f"/> with respect to every tensor leaf of a tree: a tree of the argument's
    /// structure whose leaf for an input leaf of shape <c>s</c> has shape <c>output shape ++ s</c> and the input
    /// leaf's dtype (static leaves are carried over). The leaves must be float tensors.
    /// </summary>
    public static Func<T, T> Jacobian<T>(Func<T, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Compile((T x) =>
        {
            var (flat, leaves) = Flat(x, "Jacobian");
            var jac = Jacobian(FlatFunction(f, x, leaves))(flat);          // [...out, n]
            int outRank = jac.Shape.Rank - 1;
            var blocks = new Tensor[leaves.Length];
            int offset = 0;
            for (int i = 0; i < leaves.Length; i++)
            {
                int size = leaves[i].Shape.Size;
                var starts = new int[jac.Shape.Rank];
                var ends = jac.Shape.ToArray();
                starts[outRank] = offset;
                ends[outRank] = offset + size;
                var dims = jac.Shape.ToArray()[..outRank].Concat(leaves[i].Shape.ToArray()).ToArray();
                blocks[i] = Cast(Reshape(Slice(jac, starts, ends), dims), leaves[i].DType);
                offset += size;
            }
            return Tree.Unflatten(x, blocks);
        });
    }

    /// <summary>
    /// The Hessian of a one-element function of a tree, as blocks: <c>[i][j]</c> is the second derivative with
    /// respect to tensor leaves i and j (in <see cref="Tree.Leaves{T}"/> order), shaped <c>shape(i) ++ shape(j)</c>.
    /// The leaves must be float tensors.
    /// </summary>
    public static Func<T, Tensor[][]> Hessian<T>(Func<T, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var compiled = Compile((T x) =>
        {
            var (flat, leaves) = Flat(x, "Hessian");
            var h = Hessian(FlatFunction(f, x, leaves))(flat);               // [n, n]
            var blocks = new Tensor[leaves.Length * leaves.Length];
            int rows = 0;
            for (int i = 0; i < leaves.Length; i++)
            {
                int cols = 0, si = leaves[i].Shape.Size;
                for (int j = 0; j < leaves.Length; j++)
                {
                    int sj = leaves[j].Shape.Size;
                    var dims = leaves[i].Shape.ToArray().Concat(leaves[j].Shape.ToArray()).ToArray();
                    blocks[i * leaves.Length + j] = Reshape(Slice(h, [rows, cols], [rows + si, cols + sj]), dims);
                    cols += sj;
                }
                rows += si;
            }
            return blocks;
        });
        return x =>
        {
            var flatBlocks = compiled(x);
            int n = (int)Math.Round(Math.Sqrt(flatBlocks.Length));
            var result = new Tensor[n][];
            for (int i = 0; i < n; i++) result[i] = flatBlocks[(i * n)..((i + 1) * n)];
            return result;
        };
    }

    /// <summary>The float leaves of <paramref name="x"/> as one vector of their common dtype.</summary>
    private static (Tensor Flat, Tensor[] Leaves) Flat<T>(T x, string name)
    {
        var leaves = Tree.Leaves(x);
        if (leaves.Length == 0) throw new ArgumentException($"Jit.{name}: the argument {Tree.Structure(x)} has no tensor leaves to differentiate");
        var dtype = leaves[0].DType;
        for (int i = 0; i < leaves.Length; i++)
        {
            if (!leaves[i].DType.IsFloat())
                throw new ArgumentException(
                    $"Jit.{name}: leaf {i} ({Tree.Paths(x)[i]}: {leaves[i].Type}) is not a float tensor; derivatives exist for f32 and f64 " +
                    "leaves only: pass integer data through a closure, or Cast it to a float type");
            dtype = DTypeExtensions.Promote(dtype, leaves[i].DType);
        }
        var parts = new Tensor[leaves.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = Reshape(Cast(leaves[i], dtype), -1);
        return (parts.Length == 1 ? parts[0] : Concat(0, parts), leaves);
    }

    /// <summary><paramref name="f"/> as a function of the flat vector: split, reshaped and cast back into the tree.</summary>
    private static Func<Tensor, Tensor> FlatFunction<T>(Func<T, Tensor> f, T template, Tensor[] leaves) => v =>
    {
        var parts = new Tensor[leaves.Length];
        int offset = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            int size = leaves[i].Shape.Size;
            parts[i] = Cast(Reshape(Slice(v, [offset], [offset + size]), leaves[i].Shape.ToArray()), leaves[i].DType);
            offset += size;
        }
        return f(Tree.Unflatten(template, parts));
    };
}
