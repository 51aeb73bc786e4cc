#!/usr/bin/env bash
# One command for the training benchmark: builds the addon and the SDK, then trains the same BUTTER
# networks with mlp-energy and with PyTorch (Debian python3-torch) side by side and prints µs per
# training datum and the ratio. Arguments go to bench.mjs: --quick, --threads 1,2, --sizes 5-22,
# --shapes rectangle,exponential, --depths 3,6, --python /usr/bin/python3, --rounds N, --pinned-peer.
# PyTorch's OpenBLAS must pick its own kernel and cache sizes for this CPU, so the two variables some
# environments set to pin it (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) are removed for this command only.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
if ! { npm run build:native && npx tsc -p tsconfig.build.json; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
# The FMA peak per thread count (bench/gemm/fma_peak.hpp) gives each row its ceiling: the ratio a
# trainer whose GEMMs ran at peak, with nothing else to do, would reach.
peaks=$(bash bench/gemm/run.sh --section peak --threads 1,2 | awk -F'|' '/^\| [0-9]+ \| [0-9.]+ \|$/ {gsub(/ /, ""); printf "%s%s:%s", sep, $2, $3; sep=","}')
# The pins themselves go along, for --pinned-peer's second PyTorch peer.
pins=$(env | grep -E '^OPENBLAS_(CORETYPE|L2_SIZE)=' | paste -sd, - || true)
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE node bench/train/bench.mjs --peaks "$peaks" --machine-openblas "$pins" "$@"
