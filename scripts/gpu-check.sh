#!/usr/bin/env bash
# One command for the GPU machine: builds (or reuses a prebuilt artifacts/gpu-check), runs the CUDA conformance
# suite on the GPU, then the GPU benchmarks G1-G3, printing a table. Fits 8 minutes on one H200.
#
#   scripts/gpu-check.sh              on the GPU machine (TRACER_TEST_DEVICE=cuda: the suite runs on cuda:0)
#   scripts/gpu-check.sh --build      only build artifacts/gpu-check (on a machine with NuGet access; then carry
#                                     that folder to a GPU machine without network)
#   scripts/gpu-check.sh --emulator   the same steps on ILGPU's CPU accelerator at small sizes (no GPU needed):
#                                     checks the script, the tests and the benchmark program themselves
set -euo pipefail
cd "$(dirname "$0")/.."

mode=gpu
build_only=0
for arg in "$@"; do
  case "$arg" in
    --emulator) mode=emulator ;;
    --build) build_only=1 ;;
    *) echo "gpu-check: unknown option '$arg' (use --build or --emulator)" >&2; exit 2 ;;
  esac
done

out=artifacts/gpu-check
if [[ $build_only == 1 || ! -f $out/tests/Tracer.Runtime.Cuda.Tests.dll || ! -f $out/bench/Tracer.GpuBench.dll ]]; then
  echo "== build (Release) into $out"
  dotnet publish Tests/Runtime.Cuda.Tests -c Release -o "$out/tests" -nodeReuse:false -v quiet
  dotnet publish Benchmarks/GpuBench -c Release -o "$out/bench" -nodeReuse:false -v quiet
  # Only what runs the tests on linux-x64: the folder is carried to the GPU machine (and must stay small).
  find "$out/tests/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
  rm -rf "$out/tests/Microsoft.CodeCoverage"
else
  # A GPU machine may have no NuGet access, so a carried build is used as it is: rebuild after changing the code.
  echo "== using the prebuilt $out (delete it, or run --build, after changing the code)"
fi
if [[ $build_only == 1 ]]; then
  du -sh "$out"
  exit 0
fi

bench_args=()
if [[ $mode == gpu ]]; then
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  export TRACER_TEST_DEVICE=cuda
else
  bench_args+=(--emulator)
fi

echo "== conformance suite on $mode"
status=0
tests_rc=0
timeout 270 dotnet test "$out/tests/Tracer.Runtime.Cuda.Tests.dll" --logger "console;verbosity=normal" > "$out/tests.log" 2>&1 || tests_rc=$?
# Failures with their messages, skipped (Inconclusive) tests with their reasons, and the summary; all in tests.log.
grep -E "^\s*(Failed|Skipped) |Error Message|^\s+(Assert|Expected)|^Test Run|^Total tests|^\s+(Passed|Failed|Skipped):|no CUDA GPU" "$out/tests.log" || true
[[ $tests_rc == 0 ]] || status=$tests_rc

echo "== benchmarks on $mode"
timeout 180 dotnet "$out/bench/Tracer.GpuBench.dll" "${bench_args[@]}" || status=$?

if [[ $status != 0 ]]; then
  echo "gpu-check: FAILED (exit $status)"
  exit $status
fi
echo "gpu-check: done"
