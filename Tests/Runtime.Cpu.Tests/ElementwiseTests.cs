using Tracer.Compiler;
using static Tracer.Tests.Harness;

namespace Tracer.Tests;

/// <summary>Every elementwise primitive, every dtype it allows, odd shapes, broadcasting and strided operands.</summary>
[TestClass]
public sealed class ElementwiseTests
{
    private static readonly int[][] Shapes = [[], [7], [3, 5], [2, 3, 4]];

    private static readonly DType[] Floats = [DType.Float32, DType.Float64];

    [TestMethod]
    [DataRow(OpCode.Neg, -2, 2, true)]
    [DataRow(OpCode.Abs, -2, 2, true)]
    [DataRow(OpCode.Sign, -2, 2, true)]
    [DataRow(OpCode.Exp, -2, 2, false)]
    [DataRow(OpCode.Log, 0.1, 3, false)]
    [DataRow(OpCode.Log1p, -0.5, 3, false)]
    [DataRow(OpCode.Expm1, -2, 2, false)]
    [DataRow(OpCode.Sqrt, 0.1, 3, false)]
    [DataRow(OpCode.Rsqrt, 0.1, 3, false)]
    [DataRow(OpCode.Sin, -3, 3, false)]
    [DataRow(OpCode.Cos, -3, 3, false)]
    [DataRow(OpCode.Tan, -1.4, 1.4, false)]
    [DataRow(OpCode.Tanh, -3, 3, false)]
    [DataRow(OpCode.Logistic, -5, 5, false)]
    public void Unary(OpCode op, double lo, double hi, bool int32)
    {
        DType[] dtypes = int32 ? [.. Floats, DType.Int32] : Floats;
        int seed = 0;
        foreach (var dtype in dtypes)
        {
            foreach (var shape in Shapes)
            {
                var g = Build(T(dtype, shape), x => Ir.Unary(op, x));
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()}{Shape.Format(shape)}", lo, hi);
            }
            // A transposed and a sliced operand: the op reads through a strided view.
            var gt = Build(T(dtype, 3, 4, 5), x => Ir.Unary(op, Ir.Transpose(x, 2, 0, 1)));
            Check(gt, seed++, $"{op.Name()} {dtype.ShortName()} of a transpose", lo, hi);
            var gs = Build(T(dtype, 5, 6), x => Ir.Unary(op, Ir.Slice(x, [1, 2], [4, 5])));
            Check(gs, seed++, $"{op.Name()} {dtype.ShortName()} of a slice", lo, hi);
        }
    }

    private static readonly (int[] A, int[] B)[] BroadcastPairs =
    [
        ([7], [7]),
        ([3, 1], [4]),
        ([], [5]),
        ([2, 3], []),
        ([4, 1, 3], [5, 1]),
        ([2, 3, 4], [2, 3, 4]),
    ];

    [TestMethod]
    [DataRow(OpCode.Add, -2, 2, true)]
    [DataRow(OpCode.Sub, -2, 2, true)]
    [DataRow(OpCode.Mul, -2, 2, true)]
    [DataRow(OpCode.Div, -3, 3, true)]
    [DataRow(OpCode.Pow, 0.1, 3, false)]
    [DataRow(OpCode.Max, -2, 2, true)]
    [DataRow(OpCode.Min, -2, 2, true)]
    [DataRow(OpCode.Eq, -2, 2, true)]
    [DataRow(OpCode.Ne, -2, 2, true)]
    [DataRow(OpCode.Lt, -2, 2, true)]
    [DataRow(OpCode.Le, -2, 2, true)]
    [DataRow(OpCode.Gt, -2, 2, true)]
    [DataRow(OpCode.Ge, -2, 2, true)]
    public void Binary(OpCode op, double lo, double hi, bool int32)
    {
        bool compare = op.Kind() == OpKind.Compare;
        DType[] dtypes = compare ? [.. Floats, DType.Int32, DType.Bool] : int32 ? [.. Floats, DType.Int32] : Floats;
        int seed = 100;
        foreach (var dtype in dtypes)
        {
            foreach (var (sa, sb) in BroadcastPairs)
            {
                var g = Build([T(dtype, sa), T(dtype, sb)], xs => [Ir.Binary(op, xs[0], xs[1])]);
                Check(g, seed++, $"{op.Name()} {dtype.ShortName()}{Shape.Format(sa)} {Shape.Format(sb)}", lo, hi);
            }
            // Strided operands: a transposed matrix against a sliced one, and a literal operand.
            var gv = Build([T(dtype, 4, 3), T(dtype, 5, 6)],
                xs => [Ir.Binary(op, Ir.Transpose(xs[0], 1, 0), Ir.Slice(xs[1], [1, 1], [4, 5]))]);
            Check(gv, seed++, $"{op.Name()} {dtype.ShortName()} of views", lo, hi);
            if (dtype != DType.Bool)
            {
                var gl = Build(T(dtype, 2, 5), x => Ir.Binary(op, x, Ir.Lit(1, dtype)));
                Check(gl, seed++, $"{op.Name()} {dtype.ShortName()} with a literal", lo, hi);
            }
        }
    }

    [TestMethod]
    public void IntegerDivisionFollowsXla()
    {
        var g = Build([T(DType.Int32, 6), T(DType.Int32, 6)], xs => [Ir.Div(xs[0], xs[1])]);
        Check(g, [new[] { 7, -7, 5, int.MinValue, 3, 0 }, new[] { 2, 2, 0, -1, -1, 0 }], "i32 div edge cases");
    }

    [TestMethod]
    public void NaNsAndInfinitiesPropagateLikeTheReference()
    {
        foreach (var op in new[] { OpCode.Max, OpCode.Min, OpCode.Lt, OpCode.Eq, OpCode.Ne, OpCode.Add })
        {
            var g = Build([T(DType.Float64, 4), T(DType.Float64, 4)], xs => [Ir.Binary(op, xs[0], xs[1])]);
            Check(g, [new[] { double.NaN, 1, double.PositiveInfinity, -0.0 }, new[] { 1, double.NaN, 2, 0.0 }], op.Name());
        }
        var s = Build(T(DType.Float32, 3), Ir.Sign);
        Check(s, [new[] { float.NaN, -0f, 3f }], "sign of NaN and -0");
    }

    [TestMethod]
    public void SelectBroadcastsAllThree()
    {
        int seed = 200;
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Bool })
        {
            var g = Build([T(DType.Bool, 3, 1), T(dtype, 4), T(dtype)], xs => [Ir.Select(xs[0], xs[1], xs[2])]);
            Check(g, seed++, $"select {dtype.ShortName()}");
            var h = Build([T(DType.Float64, 2, 5), T(dtype, 2, 5)],
                xs => [Ir.Select(Ir.Gt(xs[0], Ir.Lit(0, DType.Float64)), xs[1], Ir.Transpose(Ir.Reshape(xs[1], new Shape(5, 2)), 1, 0))]);
            Check(h, seed++, $"select {dtype.ShortName()} with a fused condition");
        }
    }

    [TestMethod]
    public void CastBetweenEveryPairOfDTypes()
    {
        DType[] all = [DType.Float32, DType.Float64, DType.Int32, DType.Bool];
        int seed = 300;
        foreach (var from in all)
        {
            foreach (var to in all)
            {
                var g = Build(T(from, 3, 5), x => Ir.B.Emit(OpCode.Cast, new Attrs { DType = to }, x));
                Check(g, seed++, $"cast {from.ShortName()} -> {to.ShortName()}", -4, 4);
            }
        }
        // Saturation and NaN on float -> i32, rounding on f64 -> f32.
        var sat = Build(T(DType.Float64, 6), x => Ir.Cast(x, DType.Int32));
        Check(sat, [new[] { double.NaN, 1e300, -1e300, -2.7, 2.7, -0.0 }], "saturating f64 -> i32");
        var satf = Build(T(DType.Float32, 4), x => Ir.Cast(x, DType.Int32));
        Check(satf, [new[] { float.NaN, 3e9f, -3e9f, float.NegativeInfinity }], "saturating f32 -> i32");
        var nb = Build(T(DType.Float64, 3), x => Ir.Cast(x, DType.Bool));
        Check(nb, [new[] { double.NaN, 0.0, -0.0 }], "NaN and zeros -> bool");
    }

    [TestMethod]
    public void StopGradientIsTheIdentity()
    {
        foreach (var dtype in Floats)
        {
            var g = Build(T(dtype, 3, 4), x => Ir.Exp(Ir.StopGradient(Ir.Transpose(x, 1, 0))));
            Check(g, 400, $"stop_gradient {dtype.ShortName()}");
        }
    }
}
