// CUDA runtime status -> mlpe::Error. Every CUDA call in native/cuda goes through MLPE_CUDA_CHECK so a
// failure reaches JS (or a test) as CUDA_ERROR with the call, the error name and what it means.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "common/error.hpp"

namespace mlpe::cuda {

[[noreturn]] inline void ThrowCuda(cudaError_t status, const char* what) {
  const std::string code = status == cudaErrorMemoryAllocation ? "OUT_OF_MEMORY" : "CUDA_ERROR";
  throw Error(code, std::string(what) + " failed: " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")",
              ErrorKind::System);
}

inline void Check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) ThrowCuda(status, what);
}

}  // namespace mlpe::cuda

#define MLPE_CUDA_CHECK(call) ::mlpe::cuda::Check((call), #call)
