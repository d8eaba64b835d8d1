namespace Tracer.Distributed.Tests;

/// <summary>
/// Real multi-process runs: mpirun starts 2 or 3 copies of the worker on this machine. The checks themselves
/// (gradients to 1e-12 in float64, digits training against one process, collectives, replica checksums) run inside
/// the worker; here we assert on the verdicts it printed, and on how a job ends when one rank fails.
/// </summary>
[TestClass]
public class MpiTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly string[] CheckNames =
    [
        "gradient-even", "gradient-uneven", "sum-mean-mixed-dtypes", "broadcast-any-dtype",
        "replicas-agree", "structure-mismatch", "bad-input-errors", "docs-example", "digits-data-parallel",
    ];

    private void AllChecksPass(int ranks)
    {
        var job = MpiJob.Run(ranks, "checks 6");
        TestContext.WriteLine($"{job.Elapsed.TotalSeconds:F1} s\n{job.Output}");
        Assert.AreEqual(0, job.ExitCode, job.Output);
        foreach (var name in CheckNames) Assert.Contains($"PASS {name} ", job.Output, job.Output);
        Assert.DoesNotContain("FAIL ", job.Output);
        Assert.Contains($"SUMMARY ranks={ranks} failures=0", job.Output);
    }

    [TestMethod]
    public void TwoRanksMatchOneProcess() => AllChecksPass(2);

    [TestMethod]
    public void ThreeOversubscribedRanksMatchOneProcess() => AllChecksPass(3);

    [TestMethod]
    public void RankExitingWithAnErrorCodeAbortsTheJob()
    {
        var job = MpiJob.Run(2, "die", timeoutSeconds: 60);
        TestContext.WriteLine($"{job.Elapsed.TotalSeconds:F1} s\n{job.Output}");
        Assert.AreEqual(3, job.ExitCode, job.Output);
        Assert.Contains("rank 1 of 2 is exiting with code 3 before MPI was finalised", job.Output);
        Assert.DoesNotContain("which it must not", job.Output);
        Assert.IsLessThan(30.0, job.Elapsed.TotalSeconds, "the job must end promptly, not wait for the dead rank");
    }

    [TestMethod]
    public void UnhandledExceptionOnOneRankEndsTheJob()
    {
        var job = MpiJob.Run(2, "throw", timeoutSeconds: 60);
        TestContext.WriteLine($"{job.Elapsed.TotalSeconds:F1} s\n{job.Output}");
        Assert.AreNotEqual(0, job.ExitCode, job.Output);
        Assert.Contains("a bug on the last rank", job.Output, "the exception reaches the job's output");
        Assert.DoesNotContain("which it must not", job.Output);
        Assert.IsLessThan(30.0, job.Elapsed.TotalSeconds);
    }

    [TestMethod]
    public void KilledRankEndsTheJob()
    {
        var job = MpiJob.Run(2, "kill", timeoutSeconds: 60);
        TestContext.WriteLine($"{job.Elapsed.TotalSeconds:F1} s\n{job.Output}");
        Assert.AreNotEqual(0, job.ExitCode, job.Output);
        Assert.Contains("signal 9", job.Output, "mpirun names the rank that died");
        Assert.DoesNotContain("which it must not", job.Output);
        Assert.IsLessThan(30.0, job.Elapsed.TotalSeconds);
    }

    [TestMethod]
    public void HungRankTripsTheWatchdog()
    {
        var job = MpiJob.Run(2, "hang", timeoutSeconds: 60);
        TestContext.WriteLine($"{job.Elapsed.TotalSeconds:F1} s\n{job.Output}");
        Assert.AreEqual(70, job.ExitCode, job.Output);
        Assert.Contains("in Barrier, longer than Communicator.CollectiveTimeout (2.0 s)", job.Output);
        Assert.IsLessThan(30.0, job.Elapsed.TotalSeconds, "the 120 s sleeper must not hold the job");
    }
}
