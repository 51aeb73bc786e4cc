// Device timing for the GPU benchmarks: CUDA events around batches of launches, median of batches, after a
// warm-up (METHOD: events, warm-up, median; batches so microsecond kernels are not lost in event jitter).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "check.hpp"

namespace mlpe::bench {

// Seconds per call of fn (median over `batches` batches of `per_batch` calls).
template <typename F>
double MedianSeconds(F&& fn, int per_batch, int batches = 7, int warmup = 3) {
  for (int i = 0; i < warmup; ++i) fn();
  MLPE_CUDA_CHECK(cudaDeviceSynchronize());
  cudaEvent_t start, stop;
  MLPE_CUDA_CHECK(cudaEventCreate(&start));
  MLPE_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<double> times;
  for (int b = 0; b < batches; ++b) {
    MLPE_CUDA_CHECK(cudaEventRecord(start));
    for (int i = 0; i < per_batch; ++i) fn();
    MLPE_CUDA_CHECK(cudaEventRecord(stop));
    MLPE_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    MLPE_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms * 1e-3 / per_batch);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace mlpe::bench
