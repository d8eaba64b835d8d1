namespace Tracer.Tests;

internal static class TestUtil
{
    public static Tensor Random(Random rng, DType dtype, double lo, double hi, params int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return Ops.Cast(Tensor.FromArray(v, shape), dtype);
    }

    /// <summary>Central finite-difference gradient of a scalar function of a float64 tensor.</summary>
    public static double[] NumericGrad(Func<Tensor, double> f, Tensor x, double h = 1e-6)
    {
        var v = x.ToDoubleArray();
        var g = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            double keep = v[i];
            v[i] = keep + h;
            double up = f(Tensor.FromArray(v, x.Shape.ToArray()));
            v[i] = keep - h;
            double down = f(Tensor.FromArray(v, x.Shape.ToArray()));
            v[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    public static void AssertClose(double[] expected, double[] actual, double rtol, double atol, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            Assert.IsTrue(Math.Abs(e - a) <= atol + rtol * Math.Abs(e),
                $"{what}: element {i}: expected {e}, got {a} (|diff| {Math.Abs(e - a):E3})");
        }
    }
}
