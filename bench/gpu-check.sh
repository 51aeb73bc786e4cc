#!/usr/bin/env bash
# The GPU check of the CUDA issue, one command on a machine with an NVIDIA GPU (no Node needed):
#   bash bench/gpu-check.sh            # builds for sm_90 (override: MLPE_CUDA_ARCH=80), ~3-4 min on an H100
# 1. builds the core, the CUDA library, the GPU tests and the GPU benchmarks with plain cmake;
# 2. runs the GPU tests (SGEMM vs float64 on random shapes/tilings; device training vs a float64 reference);
# 3. our SGEMM vs cuBLAS fp32 (CUBLAS_COMPUTE_32F) at 1024/2048/4096 and BUTTER shapes;
# 4. NVML energy-counter update period and read latency, and J/datum for sizes 2^10..2^24;
# 5. where node, node_modules, dist/ and build/Release/mlp_energy.node are present (npm ci, or carried): the SDK's
#    GPU tests (vitest test/cuda.test.ts) and a small GPU sweep through the CLI (bench/gpu/sweep-gpu.json), fitted.
# Output: the tables on stdout; with LOG_DIR set, a copy of each step's log there.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
ARCH=${MLPE_CUDA_ARCH:-90}
LOG_DIR=${LOG_DIR:-$BUILD/logs}
mkdir -p "$LOG_DIR"
status=0
step() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }
log() { tee "$LOG_DIR/$1"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit,clocks.max.sm --format=csv 2>&1 || echo "nvidia-smi not available"
nvcc --version | tail -2

step "build (sm_$ARCH)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if ! { cmake -S . -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$ARCH" \
         -DMLPE_GPU_BENCH=ON -DMLPE_BENCH=OFF -DMLPE_TESTS=ON &&
       cmake --build "$BUILD" -j "$(nproc)"; } >"$LOG_DIR/build.log" 2>&1; then
  grep -E -B2 -A8 'error|Error' "$LOG_DIR/build.log" | head -80
  echo "build failed (full log: $LOG_DIR/build.log)"
  exit 1
fi
grep -c 'Building' "$LOG_DIR/build.log" | sed 's/^/compiled units: /'

step "GPU tests (ctest -R test_gpu_, verbose)"
ctest --test-dir "$BUILD" -R test_gpu_ -V 2>&1 | grep -v -E '^(UpdateCTestConfiguration|Test project|Constructing|Checking test|Parse|test [0-9]+$|    Start)' \
  | log tests.log || status=1

step "SGEMM vs cuBLAS fp32"
if [ -z "${MLPE_CUBLAS:-}" ]; then
  MLPE_CUBLAS=$(ldconfig -p 2>/dev/null | awk '/libcublas\.so\./ {print $NF; exit}')
  [ -n "$MLPE_CUBLAS" ] || MLPE_CUBLAS=$(find /usr/local /opt /usr/lib -name 'libcublas.so.1[0-9]*' 2>/dev/null | head -1)
  export MLPE_CUBLAS
fi
echo "cuBLAS: ${MLPE_CUBLAS:-not found}"
"$BUILD/sgemm_vs_cublas" 2>&1 | log sgemm.log || status=1

step "NVML and J/datum"
"$BUILD/energy_per_datum" 2>&1 | log energy.log || status=1

step "Node: the SDK's GPU tests and a GPU sweep through the CLI"
node_missing=()
command -v node >/dev/null || node_missing+=("node on PATH")
for need in node_modules/vitest dist/lib/cli/main.js build/Release/mlp_energy.node; do
  [ -e "$need" ] || node_missing+=("$need")
done
if [ ${#node_missing[@]} -gt 0 ]; then
  echo "skipped: missing ${node_missing[*]} (npm ci builds them; or carry them)"
else
  store="$BUILD/gpu-sweep.duckdb"
  rm -f "$store" "$store.wal"
  cli() { echo "\$ mlp-energy $*"; node dist/lib/cli/main.js "$@"; }
  # The group runs in the pipeline's subshell: it exits with its own failure count.
  {
    failed=0
    node node_modules/vitest/vitest.mjs run --reporter verbose test/cuda.test.ts || failed=1
    cli info || failed=1
    cli sweep --spec bench/gpu/sweep-gpu.json --out "$store" || failed=1
    cli fit --store "$store" --device gpu || failed=1
    exit $failed
  } 2>&1 | log node.log || status=1
fi

step "done (status $status)"
exit $status
