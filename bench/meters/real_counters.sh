#!/usr/bin/env bash
# Builds and runs bench/meters/real_counters.cpp with plain g++ (no Node, no cmake): the energy sources
# this machine offers, raw read cost, NVML update period and an idle window.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${TMPDIR:-/tmp}/mlpe_real_counters
g++ -O2 -std=c++17 -Inative/core bench/meters/real_counters.cpp native/core/meters/*.cpp native/core/common/*.cpp \
  native/core/hw/*.cpp -o "$out" -ldl -lpthread
exec "$out"
