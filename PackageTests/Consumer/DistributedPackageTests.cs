using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Consumer;

/// <summary>
/// The Tracer.Distributed package as a user runs it: PackageTests/DistributedConsumer (which references only the
/// packed package) trains the digits classifier data-parallel under <c>mpirun -np 2</c>. Without mpirun the program
/// runs alone: a one-process job where Open MPI's library is installed, else the package's clear error naming what
/// to install.
/// </summary>
[TestClass]
public class DistributedPackageTests
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "DistributedConsumer.dll");
    private static readonly string Digits = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");

    [TestMethod]
    public void DataParallelTrainingRunsFromThePackage()
    {
        Assert.IsTrue(File.Exists(Program), "the program is copied next to the tests by the project reference: " + Program);
        string? mpirun = FindOnPath("mpirun");
        var (exitCode, output) = mpirun is null
            ? Run("dotnet", $"\"{Program}\" \"{Digits}\"")
            // --oversubscribe: two ranks on a machine with fewer free slots (CI has two cores) is fine here.
            : Run(mpirun, $"-np 2 --oversubscribe dotnet \"{Program}\" \"{Digits}\"");
        if (mpirun is null && exitCode != 0)
        {
            // No Open MPI at all: the package must say what to install. Its library without mpirun cannot start even
            // a one-process job (Open MPI's singleton start needs its daemon): that is the machine, not the package.
            if (!output.Contains("cannot load libmpi.so.40"))
                Assert.Inconclusive("mpirun is not on PATH and the program could not run alone; install Open MPI " +
                                    "(`apt-get install -y openmpi-bin libopenmpi-dev`; .ci/run does this):\n" + output);
            StringAssert.Contains(output, "apt-get install", "without Open MPI the package says what to install:\n" + output);
            return;
        }
        Assert.AreEqual(0, exitCode, "the job failed:\n" + output);
        var m = Regex.Match(output, @"ranks (\d+) loss [0-9.]+ accuracy ([0-9.]+) replicas agree");
        Assert.IsTrue(m.Success, "rank 0 prints its verdict:\n" + output);
        Assert.AreEqual(mpirun is null ? 1 : 2, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), output);
        double accuracy = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.IsGreaterThan(0.85, accuracy, $"held-out accuracy {accuracy:P1} after brief data-parallel training");
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        }
        return null;
    }

    private static (int ExitCode, string Output) Run(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Open MPI refuses to run as root (CI containers) unless both variables are set; harmless otherwise.
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {arguments} did not end within 300 s:\n{stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
