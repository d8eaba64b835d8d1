namespace Tracer.Compiler.Lowering;

public sealed partial class Lowerer
{
    /// <summary>
    /// cumsum and argsort (ops-shape family): a sequential dependence along one axis does not fit the loop kernels,
    /// so each runs as one <see cref="HostOpKernel"/> on its whole contiguous operand, writing a fresh buffer.
    /// </summary>
    private ScalarExpr SequenceCall(Node eq)
    {
        int input = WholeBuffer(eq.Inputs[0], $"{eq.Op.Name()} operand");
        int target = Target(eq);
        kernels.Add(new HostOpKernel(eq, [input], target, [(0, target)]) { Label = Describe(eq) });
        return Whole(target, eq.Type);
    }
}
