using Tracer.Compiler;
using static Tracer.Compiler.Ir;

namespace Tracer.Tests;

/// <summary>
/// Gradient cases of the convolution family at tiny sizes: 1-D to 3-D, strides, padding, dilation and groups, and
/// conv_transpose and conv_weight_grad on their own (each is also reached through the others' VJPs, so the
/// second-order checks go through all three). The same cases drive the JVP and batching tables.
/// </summary>
internal static class ConvCases
{
    private static Attrs Geometry(int[] strides, int[] padding, int[] dilation, int groups = 1) =>
        new() { Strides = strides, Padding = padding, Dilation = dilation, Groups = groups };

    private static GradCase Conv(string name, int[] x, int[] w, Attrs a) =>
        new($"conv {name}", OpCode.Conv, [x, w], xs => Ir.Conv(xs[0], xs[1], a));

    public static readonly GradCase[] All =
    [
        Conv("1-d", [2, 2, 5], [3, 2, 3], Geometry([1], [0], [1])),
        Conv("1-d stride 2 pad 1 dilation 2", [1, 2, 7], [2, 2, 2], Geometry([2], [1], [2])),
        Conv("2-d groups 2 stride (2,1) pad (1,0)", [1, 4, 4, 3], [4, 2, 2, 2], Geometry([2, 1], [1, 0], [1, 1], 2)),
        Conv("3-d stride 2 pad 1", [1, 1, 3, 3, 2], [2, 1, 2, 2, 2], Geometry([2, 2, 2], [1, 1, 1], [1, 1, 1])),
        new("conv_transpose 2-d stride 2 groups 2", OpCode.ConvTranspose, [[1, 4, 2, 3], [4, 1, 2, 3]],
            xs => ConvTranspose(xs[0], xs[1], Geometry([2, 2], [0, 1], [1, 1], 2), new Shape(1, 2, 4, 5))),
        new("conv_transpose 1-d dilation 2 pad 1", OpCode.ConvTranspose, [[2, 2, 5], [2, 3, 2]],
            xs => ConvTranspose(xs[0], xs[1], Geometry([1], [1], [2]), new Shape(2, 3, 5))),
        new("conv_weight_grad 1-d stride 2", OpCode.ConvWeightGrad, [[2, 2, 6], [2, 3, 3]],
            xs => ConvWeightGrad(xs[0], xs[1], Geometry([2], [0], [1]), new Shape(3, 2, 2))),
        new("conv_weight_grad 2-d groups 2 pad 1", OpCode.ConvWeightGrad, [[1, 2, 3, 3], [1, 4, 3, 2]],
            xs => ConvWeightGrad(xs[0], xs[1], Geometry([1, 2], [1, 1], [1, 1], 2), new Shape(4, 1, 3, 3))),
    ];
}
