using Tracer.Compiler;
using static Tracer.Tests.RuleTestUtil;

namespace Tracer.Tests;

/// <summary>Shape/dtype rules: result types, broadcasting, and an error naming the op and shapes for each misuse.</summary>
[TestClass]
public sealed class ShapeRuleTests
{
    private static Attrs Axes(params int[] axes) => new() { Axes = axes };

    private static Attrs ShapeAttr(params int[] dims) => new() { Shape = new Shape(dims) };

    private static readonly Dictionary<string, (Func<TensorType> Infer, string Expected)> Valid = new()
    {
        ["add same shape"] = (() => Infer(OpCode.Add, F32(2, 3), F32(2, 3)), "f32[2,3]"),
        ["add [3,1] + [4]"] = (() => Infer(OpCode.Add, F64(3, 1), F64(4)), "f64[3,4]"),
        ["mul scalar + [2,3]"] = (() => Infer(OpCode.Mul, F32(), F32(2, 3)), "f32[2,3]"),
        ["sub i32"] = (() => Infer(OpCode.Sub, I32(2, 1, 3), I32(4, 1)), "i32[2,4,3]"),
        ["div i32"] = (() => Infer(OpCode.Div, I32(3), I32(3)), "i32[3]"),
        ["neg i32"] = (() => Infer(OpCode.Neg, I32(5)), "i32[5]"),
        ["sin f64"] = (() => Infer(OpCode.Sin, F64(2, 2)), "f64[2,2]"),
        ["lt bcast -> bool"] = (() => Infer(OpCode.Lt, F32(3, 1), F32(1, 4)), "bool[3,4]"),
        ["eq bool"] = (() => Infer(OpCode.Eq, B(2), B(2)), "bool[2]"),
        ["select bcast"] = (() => Infer(OpCode.Select, B(3, 1), F32(4), F32()), "f32[3,4]"),
        ["cast"] = (() => Infer(OpCode.Cast, new Attrs { DType = DType.Int32 }, F32(2)), "i32[2]"),
        ["stop_gradient"] = (() => Infer(OpCode.StopGradient, F64(2)), "f64[2]"),
        ["reduce_sum middle"] = (() => Infer(OpCode.ReduceSum, Axes(1), F32(2, 3, 4)), "f32[2,4]"),
        ["reduce_max all"] = (() => Infer(OpCode.ReduceMax, Axes(0, 1), I32(2, 3)), "i32[]"),
        ["reduce_prod none"] = (() => Infer(OpCode.ReduceProd, Axes(), F64(2)), "f64[2]"),
        ["reshape"] = (() => Infer(OpCode.Reshape, ShapeAttr(3, 2), F32(2, 3)), "f32[3,2]"),
        ["transpose"] = (() => Infer(OpCode.Transpose, new Attrs { Perm = [2, 0, 1] }, F32(2, 3, 4)), "f32[4,2,3]"),
        ["broadcast"] = (() => Infer(OpCode.Broadcast, ShapeAttr(2, 3, 4), F32(3, 1)), "f32[2,3,4]"),
        ["slice"] = (() => Infer(OpCode.Slice, new Attrs { Starts = [1, 0], Ends = [3, 2] }, F32(4, 5)), "f32[2,2]"),
        ["pad"] = (() => Infer(OpCode.Pad, new Attrs { Starts = [1, 0], Ends = [2, 3] }, F32(4, 5)), "f32[7,8]"),
        ["concatenate 3"] = (() => Infer(OpCode.Concat, new Attrs { Axis = 1 }, F32(2, 1), F32(2, 3), F32(2, 2)), "f32[2,6]"),
        ["gather"] = (() => Infer(OpCode.Gather, new Attrs { Axis = 1 }, F32(3, 4, 5), I32(2, 6)), "f32[3,2,6,5]"),
        ["scatter_add"] = (() => Infer(OpCode.ScatterAdd, new Attrs { Axis = 1, Shape = new Shape(3, 4, 5) }, F32(3, 2, 6, 5), I32(2, 6)), "f32[3,4,5]"),
        ["gather batch_dims"] = (() => Infer(OpCode.Gather, new Attrs { Axis = 2, BatchDims = 1 }, F32(3, 4, 5, 6), I32(3, 7)), "f32[3,4,7,6]"),
        ["scatter_add batch_dims"] = (() => Infer(OpCode.ScatterAdd, new Attrs { Axis = 1, BatchDims = 1, Shape = new Shape(3, 4, 5) }, F32(3, 6, 5), I32(3, 6)), "f32[3,4,5]"),
        ["matmul 2d"] = (() => Infer(OpCode.MatMul, F32(2, 3), F32(3, 5)), "f32[2,5]"),
        ["matmul batch bcast"] = (() => Infer(OpCode.MatMul, F64(2, 1, 3, 4), F64(5, 4, 6)), "f64[2,5,3,6]"),
        ["matmul i32"] = (() => Infer(OpCode.MatMul, I32(2, 3), I32(3, 1)), "i32[2,1]"),
    };

    public static IEnumerable<object[]> ValidCases => Valid.Keys.Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(ValidCases))]
    public void InfersTheResultType(string name) => Assert.AreEqual(Valid[name].Expected, Valid[name].Infer().ToString());

    /// <summary>Each misuse and the fragments its message must contain (op name first, then the shapes/dtypes).</summary>
    private static readonly Dictionary<string, (Func<TensorType> Infer, string[] Fragments)> Invalid = new()
    {
        ["add shapes"] = (() => Infer(OpCode.Add, F32(3), F32(4)),
            ["add: shapes [3] and [4] cannot be broadcast together (NumPy rules: trailing dimensions must match or be 1)"]),
        ["add dtypes"] = (() => Infer(OpCode.Add, F32(3), F64(3)), ["add: dtypes f32 and f64 differ", "f32[3]", "f64[3]", "Cast"]),
        ["add arity"] = (() => Infer(OpCode.Add, F32(3)), ["add: expects 2 operands, got 1"]),
        ["add bool"] = (() => Infer(OpCode.Add, B(3), B(3)), ["add:", "bool[3]", "Cast"]),
        ["pow i32"] = (() => Infer(OpCode.Pow, I32(3), I32(3)), ["pow: expects a float tensor, got i32[3]"]),
        ["sin i32"] = (() => Infer(OpCode.Sin, I32(3)), ["sin: expects a float tensor, got i32[3]; cast it with Cast(x, DType.Float32)"]),
        ["log bool"] = (() => Infer(OpCode.Log, B(2, 2)), ["log: expects a float tensor, got bool[2,2]"]),
        ["lt dtypes"] = (() => Infer(OpCode.Lt, I32(2), F32(2)), ["lt: dtypes i32 and f32 differ"]),
        ["ge shapes"] = (() => Infer(OpCode.Ge, F32(2, 3), F32(3, 2)), ["ge: shapes [2,3] and [3,2] cannot be broadcast"]),
        ["select condition"] = (() => Infer(OpCode.Select, F32(3), F32(3), F32(3)), ["select:", "condition must be bool", "f32[3]"]),
        ["select shapes"] = (() => Infer(OpCode.Select, B(2), F32(3), F32(3)), ["select: shapes [2], [3] and [3]"]),
        ["select dtypes"] = (() => Infer(OpCode.Select, B(3), F32(3), F64(3)), ["select: dtypes f32 and f64 differ"]),
        ["reduce axis range"] = (() => Infer(OpCode.ReduceSum, Axes(2), F32(2, 3)), ["reduce_sum: axis 2 is out of range for rank 2", "[2,3]"]),
        ["reduce axis negative"] = (() => Infer(OpCode.ReduceMax, Axes(-1), F32(2, 3)), ["reduce_max: axis -1", "rank 2"]),
        ["reduce axes order"] = (() => Infer(OpCode.ReduceMin, Axes(1, 0), F32(2, 3)), ["reduce_min: axes (1,0)", "sorted and distinct"]),
        ["reduce bool"] = (() => Infer(OpCode.ReduceProd, Axes(0), B(2)), ["reduce_prod:", "bool[2]"]),
        ["reduce no axes"] = (() => Infer(OpCode.ReduceSum, F32(2)), ["reduce_sum: the 'axes' attribute is missing"]),
        ["reshape size"] = (() => Infer(OpCode.Reshape, ShapeAttr(4), F32(2, 3)), ["reshape: cannot reshape f32[2,3] (6 elements) to [4] (4 elements)"]),
        ["transpose perm"] = (() => Infer(OpCode.Transpose, new Attrs { Perm = [0, 0] }, F32(2, 3)), ["transpose: (0,0) is not a permutation", "f32[2,3]"]),
        ["transpose rank"] = (() => Infer(OpCode.Transpose, new Attrs { Perm = [0] }, F32(2, 3)), ["transpose:", "1 entries", "[2,3]", "rank 2"]),
        ["broadcast"] = (() => Infer(OpCode.Broadcast, ShapeAttr(4), F32(3)), ["broadcast_in_dim: cannot broadcast f32[3] to [4]"]),
        ["broadcast rank"] = (() => Infer(OpCode.Broadcast, ShapeAttr(3), F32(1, 3)), ["broadcast_in_dim: cannot broadcast f32[1,3] to [3]"]),
        ["slice range"] = (() => Infer(OpCode.Slice, new Attrs { Starts = [0, 2], Ends = [1, 5] }, F32(2, 4)), ["slice: range 2:5 on axis 1 of f32[2,4]"]),
        ["slice entries"] = (() => Infer(OpCode.Slice, new Attrs { Starts = [0], Ends = [1] }, F32(2, 4)), ["slice:", "start_indices", "[2,4]"]),
        ["pad negative"] = (() => Infer(OpCode.Pad, new Attrs { Starts = [-1], Ends = [0] }, F32(2)), ["pad: padding (-1, 0) on axis 0 of f32[2] is negative"]),
        ["concatenate shapes"] = (() => Infer(OpCode.Concat, new Attrs { Axis = 1 }, F32(2, 3), F32(3, 3)), ["concatenate: shapes [2,3] and [3,3]", "axis 1"]),
        ["concatenate axis"] = (() => Infer(OpCode.Concat, new Attrs { Axis = 2 }, F32(2, 3), F32(2, 3)), ["concatenate: axis 2 is out of range for rank 2"]),
        ["concatenate dtypes"] = (() => Infer(OpCode.Concat, new Attrs { Axis = 0 }, F32(2), I32(2)), ["concatenate: dtypes f32 and i32 differ"]),
        ["gather axis"] = (() => Infer(OpCode.Gather, new Attrs { Axis = 2 }, F32(3, 4), I32(2)), ["gather: axis 2 is out of range for rank 2 (shape [3,4])"]),
        ["gather batch_dims mismatch"] = (() => Infer(OpCode.Gather, new Attrs { Axis = 1, BatchDims = 1 }, F32(3, 4), I32(2, 1)), ["gather: batch axis 0 differs: operand [3,4] has 3, indices [2,1] have 2"]),
        ["gather batch_dims past axis"] = (() => Infer(OpCode.Gather, new Attrs { Axis = 0, BatchDims = 1 }, F32(3, 4), I32(3, 1)), ["gather: batch_dims 1 must be in [0, 0]"]),
        ["gather indices dtype"] = (() => Infer(OpCode.Gather, new Attrs { Axis = 0 }, F32(3, 4), F32(2)), ["gather: indices must be i32, got f32[2]"]),
        ["scatter_add updates"] = (() => Infer(OpCode.ScatterAdd, new Attrs { Axis = 0, Shape = new Shape(3, 4) }, F32(2, 5), I32(2)),
            ["scatter_add: updates [2,5] do not match target [3,4] with indices [2]", "[2,4]"]),
        ["matmul contraction"] = (() => Infer(OpCode.MatMul, F32(2, 3), F32(4, 5)), ["matmul: shapes [2,3] and [4,5] do not match: contraction dimension 3 != 4"]),
        ["matmul rank"] = (() => Infer(OpCode.MatMul, F32(3), F32(3, 4)), ["matmul: operands must have rank >= 2, got [3] and [3,4]"]),
        ["matmul batch"] = (() => Infer(OpCode.MatMul, F32(2, 3, 4), F32(3, 4, 5)), ["matmul: batch dimensions [2] and [3]", "[2,3,4]", "[3,4,5]"]),
        ["matmul dtypes"] = (() => Infer(OpCode.MatMul, F32(2, 3), F64(3, 4)), ["matmul: dtypes f32 and f64 differ"]),
    };

    public static IEnumerable<object[]> InvalidCases => Invalid.Keys.Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(InvalidCases))]
    public void RejectsMisuseWithAMessageNamingOpAndShapes(string name)
    {
        var (infer, fragments) = Invalid[name];
        var ex = Assert.ThrowsExactly<ArgumentException>(() => infer());
        foreach (var fragment in fragments) StringAssert.Contains(ex.Message, fragment);
    }
}
