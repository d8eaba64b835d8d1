using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>
/// Regression (found by the random-program property tests): a reduction over axes of size 1 only, on an operand
/// large enough for vector code, wrote only the scalar tail of its output: the vector code generator treated the
/// innermost kept axis as the one to reduce. x - LogSumExp(x, axis) over such an axis gave infinities.
/// </summary>
[TestClass]
public sealed class UnitAxisReductionTests
{
    [TestMethod]
    public void ReducingOnlySizeOneAxesIsACopy()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (var op in new[] { OpCode.ReduceSum, OpCode.ReduceMax, OpCode.ReduceMin, OpCode.ReduceProd })
            {
                foreach (var (shape, axes) in new (int[], int[])[] { ([3, 3, 4, 1], [3]), ([1, 40], [0]), ([5, 1, 9, 1], [1, 3]) })
                {
                    var g = Build(T(dtype, shape), x => Ir.B.Emit(op, new Attrs { Axes = axes }, Ir.Exp(x)));
                    Check(g, 7, $"{op.Name()} over size-1 axes {Shape.Format(axes)} of {dtype.ShortName()}{Shape.Format(shape)}");
                }
            }
        }
    }
}
