#!/usr/bin/env bash
# Distributed timings of docs/distributed.md: all-reduce bandwidth at 2 ranks (Tracer spans, Tracer trees, C peer,
# one-process memcpy) and the digits step at 1 and 2 ranks. Release build; Open MPI from Debian.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v mpirun >/dev/null || Distributed/install-openmpi.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dotnet build Benchmarks/Distributed -c Release --nologo -v q
bench=Benchmarks/Distributed/bin/Release/net10.0/Tracer.Distributed.Bench.dll
mpicc -O2 -o /tmp/peer_allreduce Benchmarks/Distributed/peer_allreduce.c
dotnet "$bench" memcpy
mpirun -np 2 --bind-to core /tmp/peer_allreduce
mpirun -np 2 --bind-to core dotnet "$bench" allreduce
mpirun -np 2 --bind-to core dotnet "$bench" tree
mpirun -np 1 --bind-to core dotnet "$bench" digits
mpirun -np 1 --bind-to core dotnet "$bench" digits --parallel
mpirun -np 2 --bind-to core dotnet "$bench" digits
