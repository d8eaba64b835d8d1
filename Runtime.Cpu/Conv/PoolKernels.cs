using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Tracer.Compiler;
using Tracer.Compiler.Lowering;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// One compiled max pooling (<see cref="HostOpKernel"/> of max_pool_pick or max_pool_scatter): for each window, the
/// first maximum of x, then t read there (pick) or g added there (scatter). Planes (the leading axes) are split over
/// the threads. Windows of 2 x 2 with stride 2 and no padding (LeNet's, and most CNNs') take a loop that reads both
/// input rows directly, vectorised (half a vector of windows per step, with selects: a scalar compare per tap
/// mispredicts on half of random data), and writes every covered element of a scatter once, instead of clearing the
/// plane first.
/// </summary>
internal sealed class MaxPoolRunner<T> where T : unmanaged, INumber<T>
{
    private readonly bool pick;
    private readonly int in0, in1, output;
    private readonly PoolGeometry g;
    private readonly int threads;
    private readonly bool twoByTwo;
    private readonly bool vectors;   // the 2 x 2 path's vector steps (off when the backend is told to use no vectors)

    public MaxPoolRunner(HostOpKernel kernel, int threads, bool vectors)
    {
        this.vectors = vectors && Vectors;
        var eq = kernel.Equation;
        pick = eq.Op == OpCode.MaxPoolPick;
        (in0, in1, output) = (kernel.Inputs[0], kernel.Inputs[1], kernel.Output);
        g = PoolGeometry.Create(eq.Op.Name(), eq.Inputs[0].Shape, eq.Attrs);
        this.threads = threads;
        twoByTwo = g.Window[0] == 1 && g.Strides[0] == 1 && g.Window[1] == 2 && g.Window[2] == 2 && g.Strides[1] == 2 && g.Strides[2] == 2
            && g.Padding[0] == 0 && g.Padding[1] == 0 && g.Padding[2] == 0;
    }

    public void Run(Array[] buffers)
    {
        var x = (T[])buffers[in0];
        var t = (T[])buffers[in1];
        var r = (T[])buffers[output];
        int planes = g.Planes;
        long work = (long)planes * g.InputSize;
        int tasks = threads > 1 && work >= 1 << 15 ? Math.Min(threads, planes) : 1;
        if (tasks == 1)
        {
            Planes(x, t, r, 0, planes);
            return;
        }
        int per = (planes + tasks - 1) / tasks;
        KernelThreads.Shared.For(tasks, threads, k => Planes(x, t, r, k * per, Math.Min(planes, (k + 1) * per)));
    }

    private void Planes(T[] x, T[] t, T[] r, int p0, int p1)
    {
        for (int plane = p0; plane < p1; plane++)
        {
            if (twoByTwo) TwoByTwo(x, t, r, plane);
            else General(x, t, r, plane);
        }
    }

    /// <summary>Any geometry: each window's first maximum by <see cref="PoolGeometry.ArgMax{T}"/>.</summary>
    private void General(T[] x, T[] t, T[] r, int plane)
    {
        int ins = g.InputSize, outs = g.OutputSize, xAt = plane * ins, oAt = plane * outs;
        if (!pick) Array.Clear(r, xAt, ins);
        for (int od = 0, o = oAt; od < g.Out[0]; od++)
            for (int oh = 0; oh < g.Out[1]; oh++)
                for (int ow = 0; ow < g.Out[2]; ow++, o++)
                {
                    int at = xAt + g.ArgMax<T>(x, xAt, od, oh, ow);
                    if (pick) r[o] = t[at];
                    else r[at] += t[o];
                }
    }

    /// <summary>2 x 2 windows, stride 2, no padding: the taps are (row 2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1).</summary>
    private void TwoByTwo(T[] x, T[] t, T[] r, int plane)
    {
        int depth = g.In[0], height = g.In[1], width = g.In[2], oh = g.Out[1], ow = g.Out[2];
        int xAt = plane * g.InputSize, oAt = plane * g.OutputSize;
        var xs = x.AsSpan(xAt, g.InputSize);
        var ts = pick ? t.AsSpan(xAt, g.InputSize) : t.AsSpan(oAt, g.OutputSize);
        var rs = pick ? r.AsSpan(oAt, g.OutputSize) : r.AsSpan(xAt, g.InputSize);
        for (int d = 0, o = 0; d < depth; d++)
        {
            for (int i = 0; i < oh; i++, o += ow)
            {
                int a = (d * height + 2 * i) * width, b = a + width;
                if (pick) PickRow(xs, ts, rs.Slice(o, ow), a, b, vectors);
                else ScatterRow(xs, ts.Slice(o, ow), rs, a, b, ow, vectors);
                // A scatter writes the elements its windows cover; an odd width leaves the last column.
                if (!pick && 2 * ow < width)
                {
                    rs[a + width - 1] = T.Zero;
                    rs[b + width - 1] = T.Zero;
                }
            }
            // ... and an odd height the last row.
            if (!pick && 2 * oh < height) rs.Slice((d * height + height - 1) * width, width).Clear();
        }
    }

    private static void PickRow(ReadOnlySpan<T> x, ReadOnlySpan<T> t, Span<T> row, int a, int b, bool vectors)
    {
        int j = 0;
        if (vectors)
        {
            // V input columns (V/2 windows) per step; the loads at +1 may reach b + V, inside the plane.
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T tr = ref MemoryMarshal.GetReference(t);
            ref T rr = ref MemoryMarshal.GetReference(row);
            for (; 2 * j + V <= 2 * row.Length && b + 2 * j + V < x.Length; j += V / 2)
            {
                var (mA, mB, mW) = Masks(ref xr, a + 2 * j, b + 2 * j);
                var top = Vector256.ConditionalSelect(mA, Vector256.LoadUnsafe(ref tr, (nuint)(a + 2 * j + 1)), Vector256.LoadUnsafe(ref tr, (nuint)(a + 2 * j)));
                var bottom = Vector256.ConditionalSelect(mB, Vector256.LoadUnsafe(ref tr, (nuint)(b + 2 * j + 1)), Vector256.LoadUnsafe(ref tr, (nuint)(b + 2 * j)));
                Evens(Vector256.ConditionalSelect(mW, bottom, top)).StoreUnsafe(ref rr, (nuint)j);
            }
        }
        for (a += 2 * j, b += 2 * j; j < row.Length; j++, a += 2, b += 2) row[j] = t[First(x, a, b)];
    }

    private static void ScatterRow(ReadOnlySpan<T> x, ReadOnlySpan<T> gRow, Span<T> r, int a, int b, int count, bool vectors)
    {
        int j = 0;
        if (vectors)
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T gr = ref MemoryMarshal.GetReference(gRow);
            ref T rr = ref MemoryMarshal.GetReference(r);
            var odd = OddLanes();
            for (; 2 * j + V <= 2 * count && b + 2 * j + V < x.Length; j += V / 2)
            {
                var (mA, mB, mW) = Masks(ref xr, a + 2 * j, b + 2 * j);
                // Each window's g on both of its columns; a lane keeps it when its column and row won.
                var g = Pairs(Vector128.LoadUnsafe(ref gr, (nuint)j));
                var inA = ~(Pairs(mA) ^ odd) & ~Pairs(mW);
                var inB = ~(Pairs(mB) ^ odd) & Pairs(mW);
                (g & inA).StoreUnsafe(ref rr, (nuint)(a + 2 * j));
                (g & inB).StoreUnsafe(ref rr, (nuint)(b + 2 * j));
            }
        }
        for (a += 2 * j, b += 2 * j; j < count; j++, a += 2, b += 2)
        {
            int at = First(x, a, b);
            var v = gRow[j];
            r[a] = at == a ? v : T.Zero;
            r[a + 1] = at == a + 1 ? v : T.Zero;
            r[b] = at == b ? v : T.Zero;
            r[b + 1] = at == b + 1 ? v : T.Zero;
        }
    }

    private static readonly bool Vectors = Vector256.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double));
    private static readonly int V = Vector256<T>.Count;

    /// <summary>
    /// The tournament of <see cref="First"/> on V/2 windows at once, valid on even lanes: the right column beat the
    /// left in row a (mA) and in row b (mB), and row b's winner beat row a's (mW).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T> A, Vector256<T> B, Vector256<T> W) Masks(ref T x, int a, int b)
    {
        var (a0, a1) = (Vector256.LoadUnsafe(ref x, (nuint)a), Vector256.LoadUnsafe(ref x, (nuint)(a + 1)));
        var (b0, b1) = (Vector256.LoadUnsafe(ref x, (nuint)b), Vector256.LoadUnsafe(ref x, (nuint)(b + 1)));
        var mA = Beats(a1, a0);
        var mB = Beats(b1, b0);
        return (mA, mB, Beats(Vector256.ConditionalSelect(mB, b1, b0), Vector256.ConditionalSelect(mA, a1, a0)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Beats(Vector256<T> v, Vector256<T> best) =>
        Vector256.GreaterThan(v, best) | (~Vector256.Equals(v, v) & Vector256.Equals(best, best));

    /// <summary>The even lanes, packed into the lower half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Evens(Vector256<T> v)
    {
        if (typeof(T) == typeof(float)) return Vector256.Shuffle(v.AsSingle(), Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6)).As<float, T>().GetLower();
        return Vector256.Shuffle(v.AsDouble(), Vector256.Create(0L, 2, 0, 2)).As<double, T>().GetLower();
    }

    /// <summary>Lane 2k and 2k + 1 both take lane 2k of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Pairs(Vector256<T> v)
    {
        if (typeof(T) == typeof(float)) return Vector256.Shuffle(v.AsSingle(), Vector256.Create(0, 0, 2, 2, 4, 4, 6, 6)).As<float, T>();
        return Vector256.Shuffle(v.AsDouble(), Vector256.Create(0L, 0, 2, 2)).As<double, T>();
    }

    /// <summary>Lane 2k and 2k + 1 both take lane k of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Pairs(Vector128<T> v)
    {
        var w = Vector256.Create(v, v);
        if (typeof(T) == typeof(float)) return Vector256.Shuffle(w.AsSingle(), Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3)).As<float, T>();
        return Vector256.Shuffle(w.AsDouble(), Vector256.Create(0L, 0, 1, 1)).As<double, T>();
    }

    /// <summary>All bits set on odd lanes.</summary>
    private static Vector256<T> OddLanes() =>
        typeof(T) == typeof(float) ? Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).As<int, T>() : Vector256.Create(0L, -1, 0, -1).As<long, T>();

    /// <summary>
    /// The first maximum of x[a], x[a+1], x[b], x[b+1] (a NaN beats every number), as <see cref="PoolGeometry.ArgMax{T}"/>:
    /// a tournament (each row's pair, then the rows, the earlier side winning ties) picks the same element as the
    /// scan, with selects rather than branches, which random data would mispredict half the time.
    /// </summary>
    private static int First(ReadOnlySpan<T> x, int a, int b)
    {
        T a0 = x[a], a1 = x[a + 1], b0 = x[b], b1 = x[b + 1];
        bool ma = Beats(a1, a0), mb = Beats(b1, b0);
        T top = ma ? a1 : a0, bottom = mb ? b1 : b0;
        int ia = ma ? a + 1 : a, ib = mb ? b + 1 : b;
        return Beats(bottom, top) ? ib : ia;
    }

    private static bool Beats(T v, T best) => v > best | (T.IsNaN(v) & !T.IsNaN(best));
}
