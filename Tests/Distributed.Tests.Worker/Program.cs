// Runs under `mpirun -np N`: `checks` runs every correctness check and prints PASS/FAIL lines (rank 0) and a
// SUMMARY line; `die`, `return`, `throw`, `kill` and `hang` make the last rank exit early, return
// an error code, throw, get killed or hang, to show how the job ends.
using Tracer.Distributed;
using Tracer.Distributed.Worker;

string mode = args.Length > 0 ? args[0] : "checks";
var world = Communicator.World;
switch (mode)
{
    case "checks":
        return Checks.Run(world, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 6);
    case "die":
        Failures.Die(world);
        return 0;
    case "throw":
        Failures.Throw(world);
        return 0;
    case "return":
        // The last rank returns 5 from Main while the others wait in a collective.
        if (world.Rank == world.Size - 1) return 5;
        world.CollectiveTimeout = Timeout.InfiniteTimeSpan;
        world.Barrier();
        return 0;
    case "return0":
        // The last rank returns 0 early: its MPI_Finalize waits for the others, under the watchdog.
        world.CollectiveTimeout = TimeSpan.FromSeconds(2);
        if (world.Rank == world.Size - 1) return 0;
        world.CollectiveTimeout = Timeout.InfiniteTimeSpan;
        world.Barrier();
        return 0;
    case "kill":
        Failures.Kill(world);
        return 0;
    case "hang":
        Failures.Hang(world);
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode {mode}: use checks [digitsSteps], die, return, return0, throw, kill or hang");
        return 2;
}
