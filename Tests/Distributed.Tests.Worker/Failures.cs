using Tracer;

namespace Tracer.Distributed.Worker;

/// <summary>How a job ends when one rank fails: what the MSTest side asserts about (time to end, exit code, message).</summary>
internal static class Failures
{
    /// <summary>The last rank exits with code 3 without finalising MPI; the others enter a collective that can never complete.</summary>
    public static void Die(Communicator world)
    {
        world.CollectiveTimeout = Timeout.InfiniteTimeSpan;   // show mpirun's own handling, not the watchdog's
        if (world.Rank == world.Size - 1)
        {
            Console.WriteLine($"rank {world.Rank}: exiting early with code 3");
            Console.Out.Flush();
            Environment.Exit(3);
        }
        world.AllReduceSum(Tensor.FromArray(new double[] { 1, 2, 3 }, 3));
        Console.WriteLine($"rank {world.Rank}: the all-reduce returned, which it must not");
    }

    /// <summary>The last rank throws an unhandled exception while the others wait in a collective.</summary>
    public static void Throw(Communicator world)
    {
        world.CollectiveTimeout = Timeout.InfiniteTimeSpan;
        if (world.Rank == world.Size - 1) throw new InvalidOperationException("a bug on the last rank");
        world.AllReduceSum(Tensor.FromArray(new double[] { 1, 2, 3 }, 3));
        Console.WriteLine($"rank {world.Rank}: the all-reduce returned, which it must not");
    }

    /// <summary>The last rank is killed (SIGKILL: no exit handler runs, as in a crash or the OOM killer).</summary>
    public static void Kill(Communicator world)
    {
        world.CollectiveTimeout = Timeout.InfiniteTimeSpan;
        if (world.Rank == world.Size - 1) System.Diagnostics.Process.GetCurrentProcess().Kill();
        world.AllReduceSum(Tensor.FromArray(new double[] { 1, 2, 3 }, 3));
        Console.WriteLine($"rank {world.Rank}: the all-reduce returned, which it must not");
    }

    /// <summary>The last rank sleeps instead of calling the collective; the others' watchdog must abort the job.</summary>
    public static void Hang(Communicator world)
    {
        world.CollectiveTimeout = TimeSpan.FromSeconds(2);
        if (world.Rank == world.Size - 1)
        {
            Thread.Sleep(TimeSpan.FromSeconds(120));
            return;
        }
        world.Barrier();
        Console.WriteLine($"rank {world.Rank}: the barrier returned, which it must not");
    }
}
