#!/usr/bin/env bash
# Runs the W1-W8 benchmarks for Tracer (and the hand-written C# baselines) and for PyTorch, at 1 and 2 threads,
# and writes the table of medians and ratios into docs/performance.md. Usage, from the repository root:
#   Benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "installing Debian's PyTorch (python3-torch libopenblas0-pthread)"
  sudo -n true 2>/dev/null && SUDO=sudo || SUDO=
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-torch libopenblas0-pthread
fi
dotnet build -c Release Benchmarks/Benchmarks.csproj -v q -nologo
out=$(mktemp -d)
# Both vector widths on an AVX-512 machine: .NET's AVX-512 code, then its AVX2 code (DOTNET_EnableAVX512=0).
widths=(1)
grep -q avx512f /proc/cpuinfo && widths=(1 0)
for t in 1 2; do
  for avx512 in "${widths[@]}"; do
    DOTNET_EnableAVX512=$avx512 TRACER_CPU_THREADS=$t DOTNET_gcServer=0 dotnet Benchmarks/bin/Release/net10.0/Benchmarks.dll --quick "$out/results.jsonl"
  done
  OMP_NUM_THREADS=$t /usr/bin/python3 Benchmarks/peers/torch_bench.py "$t" "$out/results.jsonl"
done
/usr/bin/python3 Benchmarks/report.py "$out/results.jsonl" docs/performance.md "Benchmarks/run.sh"
echo "wrote docs/performance.md (raw results: $out/results.jsonl)"
