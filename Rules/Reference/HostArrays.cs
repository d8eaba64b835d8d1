namespace Tracer.Rules;

/// <summary>
/// Helpers of the reference implementations: conversions between host arrays and double, and index maps. Every
/// data-movement op (broadcast, transpose, slice, pad, concatenate, gather, reductions) is "compute a map from one
/// flat index space to another, then move elements along it", so the only index arithmetic lives here.
/// </summary>
internal static class HostArrays
{
    /// <summary>Element values as doubles (exact for f32, f64, i32; bool as 0/1).</summary>
    public static double[] ToDouble(Array data)
    {
        switch (data)
        {
            case double[] d:
                return d;
            case float[] f:
            {
                var r = new double[f.Length];
                for (int i = 0; i < f.Length; i++) r[i] = f[i];
                return r;
            }
            case int[] n:
            {
                var r = new double[n.Length];
                for (int i = 0; i < n.Length; i++) r[i] = n[i];
                return r;
            }
            case bool[] b:
            {
                var r = new double[b.Length];
                for (int i = 0; i < b.Length; i++) r[i] = b[i] ? 1 : 0;
                return r;
            }
            default:
                throw new ArgumentException($"unsupported host array {data.GetType()}");
        }
    }

    /// <summary>
    /// Rounds doubles to <paramref name="dtype"/>: nearest float for f32, truncation toward zero (saturating, NaN
    /// to 0) for i32, non-zero for bool.
    /// </summary>
    public static Array FromDouble(double[] values, DType dtype)
    {
        switch (dtype)
        {
            case DType.Float64:
                return values;
            case DType.Float32:
            {
                var r = new float[values.Length];
                for (int i = 0; i < r.Length; i++) r[i] = (float)values[i];
                return r;
            }
            case DType.Int32:
            {
                var r = new int[values.Length];
                for (int i = 0; i < r.Length; i++) r[i] = ToInt32(values[i]);
                return r;
            }
            default:
            {
                var r = new bool[values.Length];
                for (int i = 0; i < r.Length; i++) r[i] = values[i] != 0;
                return r;
            }
        }
    }

    private static int ToInt32(double v)
    {
        if (double.IsNaN(v)) return 0;
        if (v >= int.MaxValue) return int.MaxValue;
        if (v <= int.MinValue) return int.MinValue;
        return (int)v;
    }

    /// <summary>
    /// The flat offsets of a strided view: for each multi-index of <paramref name="shape"/> in row-major order,
    /// <c>offset + sum(index[i] * strides[i])</c>. A stride of 0 repeats (broadcasts) an axis.
    /// </summary>
    public static int[] StridedMap(Shape shape, ReadOnlySpan<int> strides, int offset)
    {
        int n = shape.Size;
        var map = new int[n];
        var index = new int[shape.Rank];
        int pos = offset;
        for (int i = 0; i < n; i++)
        {
            map[i] = pos;
            // Odometer step: bump the last axis; on wrap-around reset it and carry into the one before.
            for (int ax = shape.Rank - 1; ax >= 0; ax--)
            {
                index[ax]++;
                pos += strides[ax];
                if (index[ax] < shape[ax]) break;
                pos -= strides[ax] * shape[ax];
                index[ax] = 0;
            }
        }
        return map;
    }

    /// <summary>For each element of <paramref name="to"/>, the flat index of the element of <paramref name="from"/> broadcast there.</summary>
    public static int[] BroadcastMap(Shape from, Shape to)
    {
        var fromStrides = from.Strides();
        var strides = new int[to.Rank];
        int lead = to.Rank - from.Rank;
        for (int i = lead; i < to.Rank; i++) strides[i] = from[i - lead] == 1 ? 0 : fromStrides[i - lead];
        return StridedMap(to, strides, 0);
    }

    /// <summary>out[i] = src[map[i]].</summary>
    public static Array Take(Array src, int[] map, DType dtype)
    {
        switch (dtype)
        {
            case DType.Float32:
            {
                var s = (float[])src;
                var r = new float[map.Length];
                for (int i = 0; i < map.Length; i++) r[i] = s[map[i]];
                return r;
            }
            case DType.Float64:
            {
                var s = (double[])src;
                var r = new double[map.Length];
                for (int i = 0; i < map.Length; i++) r[i] = s[map[i]];
                return r;
            }
            case DType.Int32:
            {
                var s = (int[])src;
                var r = new int[map.Length];
                for (int i = 0; i < map.Length; i++) r[i] = s[map[i]];
                return r;
            }
            default:
            {
                var s = (bool[])src;
                var r = new bool[map.Length];
                for (int i = 0; i < map.Length; i++) r[i] = s[map[i]];
                return r;
            }
        }
    }

    /// <summary>dst[map[i]] = src[i] (arrays of the same element type).</summary>
    public static void Place(Array src, int[] map, Array dst)
    {
        switch (dst)
        {
            case float[] d:
            {
                var s = (float[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] = s[i];
                break;
            }
            case double[] d:
            {
                var s = (double[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] = s[i];
                break;
            }
            case int[] d:
            {
                var s = (int[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] = s[i];
                break;
            }
            default:
            {
                var d = (bool[])dst;
                var s = (bool[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] = s[i];
                break;
            }
        }
    }

    /// <summary>dst[map[i]] += src[i]: duplicates in <paramref name="map"/> accumulate (f32 accumulates in f32).</summary>
    public static void AddAt(Array src, int[] map, Array dst)
    {
        switch (dst)
        {
            case float[] d:
            {
                var s = (float[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] += s[i];
                break;
            }
            case double[] d:
            {
                var s = (double[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] += s[i];
                break;
            }
            case int[] d:
            {
                var s = (int[])src;
                for (int i = 0; i < map.Length; i++) d[map[i]] = unchecked(d[map[i]] + s[i]);
                break;
            }
            default:
                throw new ArgumentException("cannot accumulate bool values; cast them to a number type first");
        }
    }

    /// <summary>r[i] = cond[i] ? onTrue[i] : onFalse[i] (equal lengths, same element type).</summary>
    public static Array Choose(bool[] cond, Array onTrue, Array onFalse)
    {
        switch (onTrue)
        {
            case float[] t:
            {
                var f = (float[])onFalse;
                var r = new float[cond.Length];
                for (int i = 0; i < r.Length; i++) r[i] = cond[i] ? t[i] : f[i];
                return r;
            }
            case double[] t:
            {
                var f = (double[])onFalse;
                var r = new double[cond.Length];
                for (int i = 0; i < r.Length; i++) r[i] = cond[i] ? t[i] : f[i];
                return r;
            }
            case int[] t:
            {
                var f = (int[])onFalse;
                var r = new int[cond.Length];
                for (int i = 0; i < r.Length; i++) r[i] = cond[i] ? t[i] : f[i];
                return r;
            }
            default:
            {
                var t = (bool[])onTrue;
                var f = (bool[])onFalse;
                var r = new bool[cond.Length];
                for (int i = 0; i < r.Length; i++) r[i] = cond[i] ? t[i] : f[i];
                return r;
            }
        }
    }

    /// <summary>The same elements in a fresh array (reshape, stop_gradient).</summary>
    public static Array Copy(Array src) => (Array)src.Clone();
}
