using System.Diagnostics;

namespace Tracer.Distributed.Tests;

/// <summary>Starts the worker program under <c>mpirun</c> and collects what the job printed.</summary>
internal static class MpiJob
{
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    /// <summary>The mpirun on PATH, or null. .ci/run installs Debian's openmpi-bin when it is missing.</summary>
    public static string? FindMpirun()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            string candidate = Path.Combine(dir, "mpirun");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs <c>mpirun -np <paramref name="ranks"/> dotnet Tracer.Distributed.Worker.dll args</c>; Inconclusive without mpirun.</summary>
    public static Result Run(int ranks, string arguments, int timeoutSeconds = 120)
    {
        string mpirun = FindMpirun() ?? throw new AssertInconclusiveException(
            "mpirun not found on PATH, so the MPI tests did not run: install Open MPI (`apt-get install -y openmpi-bin libopenmpi-dev`; .ci/run does this).");
        string worker = Path.Combine(AppContext.BaseDirectory, "Tracer.Distributed.Worker.dll");
        Assert.IsTrue(File.Exists(worker), "the worker is copied next to the tests by the project reference: " + worker);
        // --oversubscribe: more ranks than cores is fine for tests (CI has 2 cores, the 3-rank test needs 3 slots).
        var info = new ProcessStartInfo(mpirun, $"-np {ranks} --oversubscribe dotnet \"{worker}\" {arguments}")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Open MPI refuses to run as root (CI containers) unless both variables are set; harmless otherwise.
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun -np {ranks} ... {arguments} did not end within {timeoutSeconds} s:\n{stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed);
    }
}
