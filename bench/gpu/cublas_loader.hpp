// cuBLAS for the benchmarks only, loaded with dlopen so nothing in the build links it (the library never
// depends on cuBLAS, and a build machine without cuBLAS headers still compiles the bench). The handful of
// declarations below are cuBLAS's public ABI (cublas_api.h, CUDA 11-13).
#pragma once
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace mlpe::bench {

class Cublas {
 public:
  // Strict fp32: CUBLAS_COMPUTE_32F with the default math mode (no TF32).
  static constexpr int kOpN = 0, kOpT = 1, kR32F = 0, kCompute32F = 68, kGemmDefault = -1;

  bool Open(std::string* why) {
    const char* env = std::getenv("MLPE_CUBLAS");
    const char* names[] = {env, "libcublas.so.13", "libcublas.so.12", "libcublas.so"};
    for (const char* n : names) {
      if (n == nullptr || *n == '\0') continue;
      lib_ = dlopen(n, RTLD_NOW | RTLD_LOCAL);
      if (lib_ != nullptr) {
        path_ = n;
        break;
      }
    }
    if (lib_ == nullptr) {
      *why = "libcublas not found (set MLPE_CUBLAS=/path/to/libcublas.so.N)";
      return false;
    }
    create_ = reinterpret_cast<CreateFn>(dlsym(lib_, "cublasCreate_v2"));
    set_stream_ = reinterpret_cast<SetStreamFn>(dlsym(lib_, "cublasSetStream_v2"));
    gemm_ex_ = reinterpret_cast<GemmExFn>(dlsym(lib_, "cublasGemmEx"));
    if (!create_ || !set_stream_ || !gemm_ex_) {
      *why = std::string("symbols missing in ") + path_;
      return false;
    }
    if (create_(&handle_) != 0) {
      *why = "cublasCreate failed";
      return false;
    }
    return true;
  }

  const std::string& Path() const { return path_; }

  // Row-major C(m×n) = op(A)·op(B): column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so B goes first.
  int Sgemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
            int ldc, cudaStream_t stream = nullptr) {
    const float alpha = 1.f, beta = 0.f;
    set_stream_(handle_, stream);
    return gemm_ex_(handle_, tb ? kOpT : kOpN, ta ? kOpT : kOpN, n, m, k, &alpha, b, kR32F, ldb, a, kR32F, lda, &beta,
                    c, kR32F, ldc, kCompute32F, kGemmDefault);
  }

 private:
  using Handle = void*;
  using CreateFn = int (*)(Handle*);
  using SetStreamFn = int (*)(Handle, cudaStream_t);
  using GemmExFn = int (*)(Handle, int, int, int, int, int, const void*, const void*, int, int, const void*, int, int,
                           const void*, void*, int, int, int, int);
  void* lib_ = nullptr;
  std::string path_;
  Handle handle_ = nullptr;
  CreateFn create_ = nullptr;
  SetStreamFn set_stream_ = nullptr;
  GemmExFn gemm_ex_ = nullptr;
};

}  // namespace mlpe::bench
