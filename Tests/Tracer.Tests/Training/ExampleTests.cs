using System.Diagnostics;
using System.Globalization;

namespace Tracer.Tests.Training;

/// <summary>
/// Runs the training examples in their fast mode, as a user would (<c>dotnet Example.dll --fast</c>), and
/// checks the result each one states. The example is built first when its assembly is missing (a test-project
/// build does not build the examples; a solution build does). The methods of one class run one after another,
/// so two builds never race.
/// </summary>
[TestClass]
public class ExampleTests
{
    public TestContext TestContext { get; set; } = null!;

    private Dictionary<string, double> RunExample(string name)
    {
        string root = TrainingTestUtil.Root();
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        string project = Path.Combine(root, "Examples", name, name + ".csproj");
        string dll = Path.Combine(root, "Examples", name, "bin", config, "net10.0", name + ".dll");
        if (!File.Exists(dll))
        {
            var (buildCode, buildOut) = Exec("dotnet", $"build \"{project}\" -c {config} --nologo -v q", root, 600);
            Assert.AreEqual(0, buildCode, "building " + name + ":\n" + buildOut);
        }
        string outDir = Path.Combine(Path.GetTempPath(), "tracer-examples-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output) = Exec("dotnet", $"\"{dll}\" --fast --out \"{outDir}\"", root, 300);
            TestContext.WriteLine(output);
            Assert.AreEqual(0, code, name + " failed:\n" + output);
            var png = Directory.GetFiles(outDir, "*.png");
            Assert.HasCount(1, png, "one loss plot");
            Assert.IsGreaterThan(10_000L, new FileInfo(png[0]).Length, "the plot is a real image");
            var line = output.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            return line["RESULT ".Length..].Trim().Split(' ').Select(kv => kv.Split('='))
                .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    private static (int Code, string Output) Exec(string file, string arguments, string workingDirectory, int timeoutSeconds)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {arguments} timed out after {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [TestMethod]
    public void MatFacRecoversTheUnobservedEntries()
    {
        var r = RunExample("MatFac");
        Assert.IsLessThan(0.5 * r["first_loss"], r["last_loss"]);
        Assert.IsLessThan(0.2, r["relative"], "held-out error below 20 % of the entries' RMS");
    }

    [TestMethod]
    public void DigitsClassifierGeneralises()
    {
        var r = RunExample("DigitsClassifier");
        Assert.IsLessThan(0.25 * r["first_loss"], r["last_loss"]);
        Assert.IsGreaterThan(0.85, r["test_accuracy"], "held-out accuracy above 85 % after the fast run");
    }

    [TestMethod]
    public void DigitsCnnGeneralises()
    {
        var r = RunExample("DigitsCnn");
        Assert.IsLessThan(0.25 * r["first_loss"], r["last_loss"]);
        Assert.IsGreaterThan(0.88, r["test_accuracy"], "held-out accuracy above 88 % after the fast run");
    }

    [TestMethod]
    public void OscillatorFitRecoversFrequencyAndDamping()
    {
        var r = RunExample("OscillatorFit");
        Assert.AreEqual(2.0, r["omega"], 0.01);
        Assert.AreEqual(0.15, r["zeta"], 0.01);
    }

    [TestMethod]
    public void GaussianProcessLearnsTheNoiseLevelAndTracksTheOscillator()
    {
        var r = RunExample("GaussianProcess");
        Assert.IsLessThan(r["first_loss"] - 0.5, r["last_loss"], "the marginal likelihood improved");
        Assert.AreEqual(0.05, r["noise_std"], 0.02, "noise standard deviation recovered");
        Assert.IsLessThan(0.06, r["rmse"], "posterior mean within 0.06 RMS of the noise-free oscillator");
    }
}
