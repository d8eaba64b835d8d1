#!/usr/bin/env bash
# Packs the NuGet packages (Release) into PackageTests/artifacts and runs the consumer project, which restores them
# from there like an outside user would. Usage: PackageTests/run.sh [results-directory-for-trx]
set -euo pipefail
cd "$(dirname "$0")/.."
out=PackageTests/artifacts
results=${1:-TestResults}
rm -rf "$out"
# Tracer first: it builds Compiler, Rules and Runtime.Cpu in Release, which then pack without building again.
dotnet pack Tracer/Tracer.csproj -c Release -o "$out" --nologo -v quiet -clp:ErrorsOnly
for p in Compiler Rules Runtime.Cpu; do
  dotnet pack "$p/$p.csproj" -c Release -o "$out" --nologo -v quiet -clp:ErrorsOnly --no-build
done
dotnet pack Runtime.Cuda/Runtime.Cuda.csproj -c Release -o "$out" --nologo -v quiet -clp:ErrorsOnly
# Tracer.Distributed needs Open MPI only at run time, so it packs (and restores) anywhere.
dotnet pack Distributed/Distributed.csproj -c Release -o "$out" --nologo -v quiet -clp:ErrorsOnly
ls "$out"

# The version does not change between commits, so a restore would take an earlier build of the same version from
# the global packages folder: drop exactly these packages from it first.
packages=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')
for id in tracer tracer.compiler tracer.rules tracer.runtime.cpu tracer.runtime.cuda tracer.distributed; do
  rm -rf "${packages:?}/$id/0.1.0"
done
rm -rf PackageTests/Consumer/bin PackageTests/Consumer/obj PackageTests/DistributedConsumer/bin PackageTests/DistributedConsumer/obj
dotnet test PackageTests/Consumer/Consumer.csproj --logger trx --results-directory "$results"
