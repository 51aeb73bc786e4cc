#!/usr/bin/env bash
# One command for the GEMM benchmark: builds bench_gemm (mlpe_core + Debian's OpenBLAS) in build-bench/
# and prints the tables. Arguments go to bench_gemm: --quick, --section square|butter|sweep|isa, --threads 1,2
# OpenBLAS must pick its own kernel and cache sizes for this CPU, so the two variables some environments
# set to pin it (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) are removed for this command only.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
if ! { cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMLPE_BENCH=ON -DMLPE_TESTS=OFF -DMLPE_CUDA=OFF &&
       cmake --build build-bench --target bench_gemm; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE build-bench/bench_gemm "$@"
