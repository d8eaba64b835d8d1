#!/usr/bin/env bash
# Installs what Tracer.Distributed needs at run time on Debian/Ubuntu: Open MPI 4.x (mpirun and libmpi.so.40).
# Used by .ci/run and Benchmarks/Distributed/run.sh when mpirun is missing; needs root or sudo.
set -euo pipefail
if command -v mpirun >/dev/null 2>&1; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing Open MPI (apt-get install -y openmpi-bin libopenmpi-dev)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null
