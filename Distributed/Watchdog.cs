using System.Diagnostics;

namespace Tracer.Distributed;

/// <summary>
/// Aborts the job when one blocking collective waits longer than <see cref="Timeout"/>. MPI collectives have no
/// timeout of their own: if a peer hangs (a deadlock, a stuck I/O call, a rank that took another branch and never
/// makes the matching call) every other rank would wait forever. A rank that exits is not this class's concern:
/// mpirun sees it and ends the job.
/// </summary>
/// <remarks>
/// One background thread per communicator; entering and leaving a collective only writes two fields, so the
/// watchdog costs nothing per message. It polls a few times per timeout (at most once a second), so it fires
/// between 1x and 1.25x the timeout.
/// </remarks>
internal sealed class Watchdog : IDisposable
{
    /// <summary>The exit code of a job the watchdog aborted (EX_SOFTWARE in sysexits.h).</summary>
    public const int ExitCode = 70;

    private readonly Communicator owner;
    private readonly Thread thread;
    private readonly ManualResetEventSlim stop = new(false);
    private long timeoutTicks = TimeSpan.FromMinutes(10).Ticks;
    private long startedAt;          // Stopwatch timestamp of the collective in progress; 0 when none
    private string? operation;

    public Watchdog(Communicator owner)
    {
        this.owner = owner;
        thread = new Thread(Run) { IsBackground = true, Name = "Tracer.Distributed watchdog" };
        thread.Start();
    }

    public TimeSpan Timeout
    {
        get => new(Interlocked.Read(ref timeoutTicks));
        set
        {
            if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Communicator.CollectiveTimeout must be positive or Timeout.InfiniteTimeSpan");
            Interlocked.Exchange(ref timeoutTicks, value.Ticks);
        }
    }

    public void Enter(string name)
    {
        operation = name;
        Volatile.Write(ref startedAt, Stopwatch.GetTimestamp());
    }

    public void Exit() => Volatile.Write(ref startedAt, 0);

    public void Dispose()
    {
        stop.Set();
        if (Thread.CurrentThread != thread) thread.Join();
    }

    private void Run()
    {
        while (true)
        {
            long ticks = Interlocked.Read(ref timeoutTicks);
            var poll = ticks < 0 ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Clamp(ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
            if (stop.Wait(poll)) return;
            long started = Volatile.Read(ref startedAt);
            if (ticks < 0 || started == 0) continue;
            var waited = Stopwatch.GetElapsedTime(started);
            if (waited.Ticks <= ticks) continue;
            owner.AbortFromWatchdog(
                $"Tracer.Distributed: rank {owner.Rank} of {owner.Size} waited {waited.TotalSeconds:F1} s in {operation}, longer than " +
                $"Communicator.CollectiveTimeout ({TimeSpan.FromTicks(ticks).TotalSeconds:F1} s): another rank is hung or never made the " +
                $"matching call. Aborting the job (exit code {ExitCode}).");
            return;
        }
    }
}
