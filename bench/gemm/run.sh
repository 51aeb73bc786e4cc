#!/usr/bin/env bash
# One command for the GEMM benchmark: builds bench_gemm (mlpe_core + Debian's OpenBLAS) in build-bench/
# and prints the tables. Arguments go to bench_gemm: --quick,
# --section square|butter|overhang|sweep|isa|peak|all, --threads 1,2, --isa avx2|avx512|reference.
# OpenBLAS must pick its own kernel and cache sizes for this CPU, so the two variables some environments
# set to pin it (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) are removed for this command only. The exception is
# `--isa avx2`: ours then runs its AVX2 kernels, so OpenBLAS is pinned to its Haswell (AVX2) kernels
# (OPENBLAS_CORETYPE=Haswell, read when the library loads) and the ratio is the one AVX2-only CPUs see.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
if ! { cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMLPE_BENCH=ON -DMLPE_TESTS=OFF -DMLPE_CUDA=OFF &&
       cmake --build build-bench --target bench_gemm; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
pin=()
prev=
for arg in "$@"; do
  if [[ $prev == --isa && $arg == avx2 ]]; then pin=(OPENBLAS_CORETYPE=Haswell); fi
  prev=$arg
done
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${pin[@]+"${pin[@]}"} build-bench/bench_gemm "$@"
