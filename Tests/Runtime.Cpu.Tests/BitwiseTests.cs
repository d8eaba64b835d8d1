using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>The bitwise and logical primitives compiled for the CPU against the interpreter: dtypes, broadcasting, edge amounts.</summary>
[TestClass]
public sealed class BitwiseTests
{
    private static readonly (int[] A, int[] B)[] Pairs = [([7], [7]), ([3, 1], [4]), ([], [5]), ([2, 3, 4], [2, 3, 4])];

    [TestMethod]
    [DataRow(OpCode.BitwiseAnd, true)]
    [DataRow(OpCode.BitwiseOr, true)]
    [DataRow(OpCode.BitwiseXor, true)]
    [DataRow(OpCode.ShiftLeft, false)]
    [DataRow(OpCode.ShiftRightLogical, false)]
    public void Binary(OpCode op, bool logical)
    {
        int seed = 0;
        DType[] dtypes = logical ? [DType.Int32, DType.Bool] : [DType.Int32];
        foreach (var dtype in dtypes)
        {
            foreach (var (a, b) in Pairs)
            {
                var g = Build([T(dtype, a), T(dtype, b)], xs => [Ir.Binary(op, xs[0], xs[1])]);
                // Amounts in [-3, 40] cover the shifts' edge cases; values in that range exercise the sign bit too.
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()}{Shape.Format(a)} with {Shape.Format(b)}", -3, 40, crossCheckSystem: true);
            }
        }
    }

    [TestMethod]
    public void ShiftEdgeAmountsAndExtremeValues()
    {
        var g = Build([T(DType.Int32, 8), T(DType.Int32, 8)], xs => [Ir.ShiftLeft(xs[0], xs[1]), Ir.ShiftRightLogical(xs[0], xs[1])]);
        var x = new[] { 1, -1, 0x4000_0001, int.MinValue, 5, 5, 5, int.MaxValue };
        var by = new[] { 31, 1, 1, 31, 32, 40, -1, 0 };
        var exe = CompileFast(g);
        var r = exe.Run([x, by]);
        CollectionAssert.AreEqual(new[] { int.MinValue, -2, unchecked((int)0x8000_0002), 0, 0, 0, 0, int.MaxValue }, (int[])r[0]);
        CollectionAssert.AreEqual(new[] { 0, int.MaxValue, 0x2000_0000, 1, 0, 0, 0, int.MaxValue }, (int[])r[1]);
    }

    [TestMethod]
    public void NotAndAFusedChain()
    {
        foreach (var dtype in new[] { DType.Int32, DType.Bool })
        {
            var g = Build(T(dtype, 3, 5), x => Ir.BitwiseNot(Ir.Transpose(x, 1, 0)));
            Check(g, 1, $"not {dtype.ShortName()} of a transpose", int.MinValue, int.MaxValue - 1.0, crossCheckSystem: true);
        }
        // A Threefry-style round in one kernel: x0 += x1; x1 = rotl(x1, 13) ^ x0, with wrapping adds.
        var round = Build([T(DType.Int32, 64), T(DType.Int32, 64)], xs =>
        {
            var x0 = Ir.Add(xs[0], xs[1]);
            var rot = Ir.BitwiseOr(Ir.ShiftLeft(xs[1], Ir.Lit(13, DType.Int32)), Ir.ShiftRightLogical(xs[1], Ir.Lit(19, DType.Int32)));
            return [x0, Ir.BitwiseXor(rot, x0)];
        });
        Check(round, 2, "threefry round", int.MinValue, int.MaxValue - 1.0, crossCheckSystem: true);
    }
}
