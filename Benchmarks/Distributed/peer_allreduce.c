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
        double total = 0, fastest = 1e300;
        for (int i = 0; i < iterations; i++) {
            double start = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            double t = MPI_Wtime() - start;
            total += t;
            if (t < fastest) fastest = t;
        }
        double local[2] = {total / iterations, fastest}, slowest[2];
        MPI_Allreduce(local, slowest, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0)
            printf("c-mpi      %10.3f MB  %12.1f us  algbw %7.2f GB/s  busbw %7.2f GB/s  min %10.1f us\n", bytes / 1048576.0,
                   slowest[0] * 1e6, bytes / slowest[0] / 1e9, bytes / slowest[0] / 1e9 * 2 * (size - 1) / size, slowest[1] * 1e6);
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
