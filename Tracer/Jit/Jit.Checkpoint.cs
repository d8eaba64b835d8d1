using Tracer.Compiler;
using static Tracer.Ops;

namespace Tracer;

public static partial class Jit
{
    /// <summary>
    /// Rematerialisation (gradient checkpointing): the result is the same function, but under differentiation its
    /// intermediates are not kept for the backward pass; the backward pass recomputes them from the inputs. Trades
    /// compute for memory in deep models. The recomputation starts behind an optimisation barrier so the optimiser
    /// cannot merge it back into the forward pass.
    /// </summary>
    public static Func<T, Tensor> Checkpoint<T>(Func<T, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        string name = $"checkpoint({FunctionName(f)})";
        return x =>
        {
            var leaves = Tree.Leaves(x);
            return CustomOps.Call(name, leaves, args =>
            {
                var y = f(Tree.Unflatten(x, args));
                return (y, dy =>
                {
                    var behind = Array.ConvertAll(args, a => Dispatch.Apply(OpCode.OptimizationBarrier, Attrs.None, a));
                    var grads = Grad((Tensor[] z, Tensor ct) => Sum(f(Tree.Unflatten(x, z)) * ct))(behind, dy);
                    return grads;
                });
            }, differentiable: true);
        };
    }
}
