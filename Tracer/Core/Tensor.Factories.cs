using Tracer.Compiler;

namespace Tracer;

public sealed partial class Tensor
{
    /// <summary>
    /// Evenly spaced values start, start + step, ... up to but excluding <paramref name="stop"/> (NumPy's arange):
    /// ⌈(stop - start) / step⌉ of them, none when that is not positive. f32, f64 or i32 (values truncated).
    /// </summary>
    public static Tensor Arange(DType dtype, double start, double stop, double step = 1)
    {
        if (step == 0 || double.IsNaN(step))
            throw new ArgumentException($"Tensor.Arange: step must be a non-zero number, got {step}", nameof(step));
        if (!double.IsFinite(start) || !double.IsFinite(stop))
            throw new ArgumentException($"Tensor.Arange: start and stop must be finite, got {start} and {stop}");
        double count = Math.Ceiling((stop - start) / step);
        if (count > int.MaxValue)
            throw new ArgumentException($"Tensor.Arange: [{start}, {stop}) in steps of {step} has {count} values, too many for one tensor");
        int n = (int)Math.Max(0, count);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = start + i * step;
        return FromValues(values, dtype, "Arange");
    }

    /// <summary>
    /// <paramref name="count"/> evenly spaced values from <paramref name="start"/> to <paramref name="stop"/>, both
    /// included (NumPy's linspace); the last is exactly stop. f32, f64 or i32 (values truncated).
    /// </summary>
    public static Tensor Linspace(DType dtype, double start, double stop, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Tensor.Linspace: count must be non-negative");
        var values = new double[count];
        double step = count > 1 ? (stop - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++) values[i] = start + i * step;
        if (count > 1) values[count - 1] = stop;
        return FromValues(values, dtype, "Linspace");
    }

    /// <summary>The <paramref name="n"/> x <paramref name="n"/> identity matrix (bool: true on the diagonal).</summary>
    public static Tensor Eye(DType dtype, int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Tensor.Eye: n must be non-negative");
        var result = Zeros(dtype, n, n);
        var data = result.Data;
        for (int i = 0; i < n; i++)
        {
            switch (data)
            {
                case float[] f: f[i * n + i] = 1; break;
                case double[] d: d[i * n + i] = 1; break;
                case int[] k: k[i * n + i] = 1; break;
                case bool[] b: b[i * n + i] = true; break;
            }
        }
        return result;
    }

    private static Tensor FromValues(double[] values, DType dtype, string op)
    {
        int n = values.Length;
        switch (dtype)
        {
            case DType.Float64:
                return new Tensor(values, new Shape(n));
            case DType.Float32:
                return new Tensor(Array.ConvertAll(values, v => (float)v), new Shape(n));
            case DType.Int32:
                return new Tensor(Array.ConvertAll(values, v => checked((int)Math.Truncate(v))), new Shape(n));
            default:
                throw new ArgumentException($"Tensor.{op}: dtype {dtype.ShortName()} is not supported; use f32, f64 or i32", nameof(dtype));
        }
    }
}
