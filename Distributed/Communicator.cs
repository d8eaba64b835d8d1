using Tracer.Distributed.Native;

namespace Tracer.Distributed;

/// <summary>
/// The processes of one MPI job (MPI_COMM_WORLD): this process's <see cref="Rank"/>, the job's <see cref="Size"/>,
/// and collectives over parameter trees. Every rank must make the same collective calls in the same order with
/// trees of the same structure, shapes and dtypes (checked: a mismatch is an <see cref="MpiException"/> on every
/// rank, not a hang). Started under <c>mpirun -np N</c>; without mpirun it is a job of one process.
/// </summary>
public sealed unsafe partial class Communicator : IDisposable
{
    private static readonly object Gate = new();
    private static Communicator? world;

    private readonly MpiLibrary.Api mpi;
    private readonly IntPtr comm;
    private readonly Watchdog watchdog;
    private bool disposed;

    private Communicator(MpiLibrary.Api mpi)
    {
        this.mpi = mpi;
        comm = mpi.CommWorld;
        int rank, size;
        mpi.Check(mpi.CommRank(comm, &rank), "MPI_Comm_rank");
        mpi.Check(mpi.CommSize(comm, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        watchdog = new Watchdog(this);
    }

    /// <summary>
    /// The world communicator; initialises MPI on first use (MPI_Init_thread asking for MPI_THREAD_MULTIPLE, which
    /// the collective watchdog needs to abort a job from its own thread). MPI is finalised by <see cref="Dispose"/>
    /// or, failing that, when the process exits.
    /// </summary>
    public static Communicator World
    {
        get
        {
            lock (Gate) return world ??= Initialize();
        }
    }

    /// <summary>This process's index in the job, 0 to <see cref="Size"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>How many processes the job has.</summary>
    public int Size { get; }

    /// <summary>True on rank 0, the rank that broadcasts initial parameters and usually prints.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// How long one collective may wait for the other ranks before this process aborts the whole job with a message
    /// naming the operation (default 10 minutes; <see cref="Timeout.InfiniteTimeSpan"/> turns the watchdog off).
    /// A rank that <em>exits</em> early is caught by mpirun itself, which ends the job; the watchdog is for a rank
    /// that hangs or is far behind.
    /// </summary>
    public TimeSpan CollectiveTimeout
    {
        get => watchdog.Timeout;
        set => watchdog.Timeout = value;
    }

    private static Communicator Initialize()
    {
        var mpi = MpiLibrary.Get();
        int initialized;
        mpi.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            int provided;
            mpi.Check(mpi.InitThread(null, IntPtr.Zero, MpiLibrary.ThreadMultiple, &provided), "MPI_Init_thread");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => world?.OnProcessExit();
        }
        return new Communicator(mpi);
    }

    /// <summary>Waits until every rank has reached this call.</summary>
    public void Barrier()
    {
        ThrowIfDisposed("Barrier");
        watchdog.Enter("Barrier");
        try { mpi.Check(mpi.Barrier(comm), "MPI_Barrier"); }
        finally { watchdog.Exit(); }
    }

    /// <summary>Ends every process of the job with <paramref name="errorCode"/> (MPI_Abort); does not return.</summary>
    public void Abort(int errorCode)
    {
        mpi.Abort(comm, errorCode);
        Environment.Exit(errorCode);   // MPI_Abort should not return; if it does, still never continue
    }

    /// <summary>Finalises MPI (MPI_Finalize); collectives afterwards are an error. Idempotent.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (disposed) return;
            disposed = true;
            int finalized;
            if (mpi.Finalized(&finalized) == MpiLibrary.Success && finalized == 0)
            {
                // MPI_Finalize waits for every rank, like a collective: a rank still busy (or hung) would block it.
                watchdog.Enter("MPI_Finalize");
                try { mpi.Finalize(); }
                finally { watchdog.Exit(); }
            }
            watchdog.Dispose();
        }
    }

    /// <summary>
    /// A process leaving while MPI is still initialised. Exit code 0: finalise (Open MPI's mpirun treats a rank that
    /// exits without MPI_Finalize as a failed job), under the watchdog, since MPI_Finalize waits for every rank.
    /// Any other code (<c>Environment.Exit(3)</c>, <c>return 1</c> from Main): abort the job at once. Finalising
    /// there would block in MPI_Finalize while the other ranks block in their next collective, and the job would
    /// hang (observed with Open MPI 4.1.4).
    /// </summary>
    private void OnProcessExit()
    {
        int code = Environment.ExitCode;
        lock (Gate)
        {
            if (disposed) return;
            if (code != 0)
            {
                Console.Error.WriteLine($"Tracer.Distributed: rank {Rank} of {Size} is exiting with code {code} before MPI was finalised; aborting the job so that the other ranks do not wait for it.");
                Console.Error.Flush();
                mpi.Abort(comm, code);
                return;
            }
        }
        Dispose();
    }

    internal void AbortFromWatchdog(string message)
    {
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        Abort(Watchdog.ExitCode);
    }

    private void ThrowIfDisposed(string operation)
    {
        if (disposed)
            throw new MpiException($"Communicator.{operation}: MPI was already finalised (the world communicator was disposed); " +
                                   "make every collective call before disposing it");
    }
}
