/* The same all-reduce timing in C against Open MPI directly: what the transport gives without .NET.
   Build and run: mpicc -O2 -o /tmp/peer_allreduce peer_allreduce.c && mpirun -np 2 /tmp/peer_allreduce */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long sizes[] = {1L << 10, 1L << 16, 1L << 20, 10L << 20, 100L << 20};
    for (int s = 0; s < 5; s++) {
        long bytes = sizes[s];
        int n = (int)(bytes / 4), iterations = bytes <= (1L << 20) ? 200 : bytes <= (10L << 20) ? 20 : 5;
        float *buffer = calloc(n, sizeof(float));
        MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (int i = 0; i < iterations; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double seconds = (MPI_Wtime() - start) / iterations, slowest;
        MPI_Allreduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0)
            printf("c-mpi      %10.3f MB  %12.1f us  algbw %7.2f GB/s  busbw %7.2f GB/s\n", bytes / 1048576.0, slowest * 1e6,
                   bytes / slowest / 1e9, bytes / slowest / 1e9 * 2 * (size - 1) / size);
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
