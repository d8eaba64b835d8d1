using System.Runtime.InteropServices;

namespace Tracer.Distributed.Native;

/// <summary>
/// The few Open MPI entry points Tracer.Distributed uses, bound at run time from <c>libmpi.so.40</c> (Open MPI 4.x,
/// Debian's <c>libopenmpi3</c>/<c>libopenmpi-dev</c>). Why not MPI.NET: its 1.4.0 package imports <c>msmpi.dll</c>
/// and passes handles as MPICH/MS-MPI 32-bit integers (MPI_COMM_WORLD = 0x44000000), while Open MPI's handles are
/// pointers, so it cannot drive Open MPI.
/// <para>
/// Open MPI's predefined handles (<c>MPI_COMM_WORLD</c>, <c>MPI_DOUBLE</c>, <c>MPI_SUM</c>...) are the addresses of
/// exported global objects (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_double</c>, <c>ompi_mpi_op_sum</c>), which is
/// what mpi.h's <c>OMPI_PREDEFINED_GLOBAL</c> expands to; <see cref="NativeLibrary.GetExport"/> returns exactly that.
/// </para>
/// </summary>
internal static unsafe class MpiLibrary
{
    public const string SoName = "libmpi.so.40";
    public const int Success = 0;
    public const int ThreadMultiple = 3;          // enum { SINGLE, FUNNELED, SERIALIZED, MULTIPLE } in mpi.h
    public static readonly IntPtr InPlace = 1;     // mpi.h: #define MPI_IN_PLACE ((void *) 1)

    private static readonly object Gate = new();
    private static Api? api;

    /// <summary>The bound library; loads it on first use, or throws naming what to install.</summary>
    public static Api Get()
    {
        lock (Gate) return api ??= Load();
    }

    private static Api Load()
    {
        // Open MPI's components (mca_*.so) are dlopen'ed by libmpi and expect its symbols to be global, so the
        // library is opened with RTLD_GLOBAL first (NativeLibrary.Load alone uses RTLD_LOCAL: components then fail
        // with "undefined symbol").
        IntPtr global = Dl.dlopen(SoName, Dl.RtldNow | Dl.RtldGlobal);
        if (global == IntPtr.Zero || !NativeLibrary.TryLoad(SoName, out IntPtr lib))
            throw new DllNotFoundException(
                $"Tracer.Distributed: cannot load {SoName} (Open MPI 4.x). Install it: `apt-get install -y openmpi-bin libopenmpi-dev` " +
                "(Debian/Ubuntu), and start the program with `mpirun -np N dotnet <program.dll>`.");
        return new Api(lib);
    }

    /// <summary>Function pointers and handles resolved once; calls through them are direct (no marshalling stubs).</summary>
    internal sealed class Api(IntPtr lib)
    {
        public readonly delegate* unmanaged<int*, IntPtr, int, int*, int> InitThread = (delegate* unmanaged<int*, IntPtr, int, int*, int>)Export(lib, "MPI_Init_thread");
        public readonly delegate* unmanaged<int*, int> Initialized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Initialized");
        public readonly delegate* unmanaged<int*, int> Finalized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Finalized");
        public readonly delegate* unmanaged<int> Finalize = (delegate* unmanaged<int>)Export(lib, "MPI_Finalize");
        public readonly delegate* unmanaged<IntPtr, int*, int> CommRank = (delegate* unmanaged<IntPtr, int*, int>)Export(lib, "MPI_Comm_rank");
        public readonly delegate* unmanaged<IntPtr, int*, int> CommSize = (delegate* unmanaged<IntPtr, int*, int>)Export(lib, "MPI_Comm_size");
        public readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> Allreduce =
            (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export(lib, "MPI_Allreduce");
        public readonly delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> Allgather =
            (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Export(lib, "MPI_Allgather");
        public readonly delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> Bcast =
            (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Export(lib, "MPI_Bcast");
        public readonly delegate* unmanaged<IntPtr, int> Barrier = (delegate* unmanaged<IntPtr, int>)Export(lib, "MPI_Barrier");
        public readonly delegate* unmanaged<IntPtr, int, int> Abort = (delegate* unmanaged<IntPtr, int, int>)Export(lib, "MPI_Abort");
        public readonly delegate* unmanaged<int, byte*, int*, int> ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export(lib, "MPI_Error_string");

        public readonly IntPtr CommWorld = Export(lib, "ompi_mpi_comm_world");
        public readonly IntPtr Float = Export(lib, "ompi_mpi_float");
        public readonly IntPtr Double = Export(lib, "ompi_mpi_double");
        public readonly IntPtr UInt64 = Export(lib, "ompi_mpi_uint64_t");
        public readonly IntPtr Byte = Export(lib, "ompi_mpi_byte");
        public readonly IntPtr OpSum = Export(lib, "ompi_mpi_op_sum");

        /// <summary>Throws an <see cref="MpiException"/> with MPI's own message when <paramref name="code"/> is an error.</summary>
        public void Check(int code, string operation)
        {
            if (code == Success) return;
            byte* text = stackalloc byte[512];   // MPI_MAX_ERROR_STRING is 256 in Open MPI 4
            int length = 0;
            string message = ErrorString(code, text, &length) == Success ? Marshal.PtrToStringUTF8((IntPtr)text, length) : "unknown error";
            throw new MpiException($"{operation} failed with MPI error {code}: {message}");
        }

        private static IntPtr Export(IntPtr lib, string name) =>
            NativeLibrary.TryGetExport(lib, name, out IntPtr address)
                ? address
                : throw new EntryPointNotFoundException($"Tracer.Distributed: {SoName} has no symbol {name}; Open MPI 4.x is required.");
    }

    private static class Dl
    {
        public const int RtldNow = 2, RtldGlobal = 0x100;

        [DllImport("libc.so.6")]
        public static extern IntPtr dlopen(string file, int mode);
    }
}
