// The CUDA SGEMM with the CPU GEMM's contract (gemm/gemm.hpp: row-major, op(A)·op(B), alpha/beta, bias +
// ReLU epilogue) on device pointers, and an explicit GpuTiling. No CUDA headers here: host code (the
// addon) includes it with a plain C++ compiler; `stream` is a cudaStream_t (null = default stream).
#pragma once
#include "gemm/gemm.hpp"
#include "gpu_tiling.hpp"

namespace mlpe::cuda {

// Validates args (sizes, leading dimensions, null pointers) and the tiling, then launches (asynchronous).
void Sgemm(const gemm::Args& args, const GpuTiling& tiling, void* stream = nullptr);

// Same with DefaultGpuTiling for the current device.
void Sgemm(const gemm::Args& args, void* stream = nullptr);

// Throws INVALID_ARGUMENT naming the bad field (shared by the GPU entry points).
void ValidateGemmArgs(const gemm::Args& args);

}  // namespace mlpe::cuda
