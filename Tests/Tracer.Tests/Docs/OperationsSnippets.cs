using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/operations.md, run as tests.</summary>
[TestClass]
public class OperationsSnippets
{
    [TestMethod]
    public void RobustStatisticsOfSensorReadings()
    {
        // begin-snippet: operations-sensors
        // Temperatures from three sensors (rows), eight samples each; sensor 1 has a spike at sample 2.
        var readings = Tensor.FromArray(new double[]
        {
            20.1, 20.3, 20.2, 20.4, 20.2, 20.5, 20.3, 20.4,
            19.8, 19.9, 25.7, 19.7, 19.9, 20.0, 19.8, 19.9,
            21.0, 21.2, 20.9, 21.1, 21.3, 21.0, 21.2, 21.1,
        }, 3, 8);

        // Screening, compiled once: z-scores, the most extreme sample per sensor and its two-sided tail
        // probability under a normal model, erfc(|z| / sqrt 2).
        var screen = Jit.Compile((Tensor r) =>
        {
            var z = (r - Mean(r, 1, keepDims: true)) / Std(r, 1, keepDims: true, ddof: 1);
            var worst = ArgMax(Abs(z), 1);                           // i32[3]; ties go to the first
            var tail = Min(Erfc(Abs(z) / Math.Sqrt(2)), 1);          // the smallest p-value per sensor
            return (worst, tail);
        });
        var (worst, tail) = screen(readings);
        Console.WriteLine($"worst sample per sensor: {worst}");
        // prints worst sample per sensor: i32[3] [0, 2, 4]
        Console.WriteLine($"p-value of sensor 1's spike: {tail.ToDoubleArray()[1]:F4}");
        // prints p-value of sensor 1's spike: 0.0134

        // A robust location: minimise sum log cosh(r - m) per sensor, log cosh u = LogAddExp(u, -u) - log 2, which
        // is quadratic near 0 and linear in the tails, so the spike pulls far less than it pulls the mean.
        // The loss is separable, so its Hessian is diagonal: Newton steps need the gradient and its derivative.
        Func<Tensor, Tensor, Tensor> loss = (m, r) => Sum(LogAddExp(r - m, m - r));
        var grad = Jit.Grad(loss);
        var curvature = Jit.Grad((Tensor m, Tensor r) => Sum(grad(m, r)));
        var location = Mean(readings, 1, keepDims: true);
        for (int step = 0; step < 8; step++)
            location = location - grad(location, readings) / curvature(location, readings);
        Console.WriteLine($"mean {Mean(readings, 1).ToDoubleArray()[1]:F2}, robust {location.ToDoubleArray()[1]:F2}");
        // prints mean 20.59, robust 20.00
        // end-snippet
        CollectionAssert.AreEqual(new[] { 0, 2, 4 }, worst.ToInt32Array());
        // Sensor 1's spike: z = (25.7 - mean) / sample std, p = erfc(|z| / sqrt 2), computed here by hand.
        var row = readings.ToDoubleArray()[8..16];
        double mu = row.Average(), sd = Math.Sqrt(row.Sum(v => (v - mu) * (v - mu)) / 7);
        Assert.AreEqual(Erfc(Tensor.Scalar((25.7 - mu) / sd / Math.Sqrt(2))).Item(), tail.ToDoubleArray()[1], 1e-12);
        Assert.AreEqual(DType.Int32, worst.DType);
        // At the optimum the gradient vanishes.
        TestUtil.AssertClose([0, 0, 0], grad(location, readings).ToDoubleArray(), 0, 1e-10, "stationary");
    }
}
