using Tracer.Compiler;
using static Tracer.Compiler.Ir;

namespace Tracer.Tests;

/// <summary>
/// Gradient cases of max pooling's primitive pair at tiny sizes: 1-d to 3-d, overlapping and padded windows, odd
/// extents that leave a row or column outside every window, and pick(x, x) (max pooling itself). x is drawn with no
/// two values closer than 1e-4, so finite differences never move a window's maximum. The same cases drive the JVP
/// and batching tables.
/// </summary>
internal static class PoolCases
{
    private static Attrs Window(int[] window, int[] strides, int[] padding) => new() { Shape = new Shape(window), Strides = strides, Padding = padding };

    /// <summary>No two values of x (input 0) within 1e-4 of each other: no ties inside a window.</summary>
    private static bool Untied(double[][] xs)
    {
        var x = (double[])xs[0].Clone();
        Array.Sort(x);
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] - x[i - 1] < 1e-4) return false;
        }
        return true;
    }

    private static GradCase Pick(string name, int[] x, Attrs a)
    {
        return new GradCase($"max_pool_pick {name}", OpCode.MaxPoolPick, [x, x], xs => MaxPoolPick(xs[0], xs[1], a)) { Accept = Untied };
    }

    private static GradCase Scatter(string name, int[] x, Attrs a)
    {
        var g = PoolGeometry.Create("max_pool_scatter", new Shape(x), a);
        return new GradCase($"max_pool_scatter {name}", OpCode.MaxPoolScatter, [x, g.OutputShape.ToArray()], xs => MaxPoolScatter(xs[0], xs[1], a)) { Accept = Untied };
    }

    public static readonly GradCase[] All =
    [
        Pick("2-d window 2 odd width", [1, 2, 4, 5], Window([2, 2], [2, 2], [0, 0])),
        Pick("1-d window 3 stride 2 pad 1", [2, 7], Window([3], [2], [1])),
        Pick("3-d window (1,2,2)", [1, 2, 2, 3, 4], Window([1, 2, 2], [1, 2, 2], [0, 0, 0])),
        Scatter("2-d window 3 stride 1 pad 1 (overlapping)", [1, 2, 4, 4], Window([3, 3], [1, 1], [1, 1])),
        Scatter("2-d window 2 odd height and width", [2, 1, 5, 3], Window([2, 2], [2, 2], [0, 0])),
        new GradCase("max_pool_pick of x itself (max pooling)", OpCode.MaxPoolPick, [[2, 2, 4, 4]],
            xs => MaxPoolPick(xs[0], xs[0], Window([2, 2], [2, 2], [0, 0]))) { Accept = Untied },
    ];
}
