namespace Tracer.Tests.Training;

/// <summary>Helpers shared by the training tests.</summary>
internal static class TrainingTestUtil
{
    /// <summary>The repository root (the folder holding Tracer.sln).</summary>
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Tracer.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Tracer.sln not found above " + AppContext.BaseDirectory);
    }

    public static void AssertClose(double[] expected, double[] actual, double rtol, double atol, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what + ": length");
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = atol + rtol * Math.Abs(expected[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tol))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tol:G3})");
        }
    }
}
