// AVX2 + FMA micro-kernel 6×16 (BLIS haswell layout): 12 ymm accumulators = 6 rows × 2 vectors of 8;
// per k step 2 loads of B, 6 broadcasts of A, 12 FMAs. The packed kernel and its unpacked ("sup") variants
// are ukernel_x2.hpp's bodies on 8 lanes: 12 accumulators + 2 B vectors + 1 broadcast fit 16 ymm registers.
// Compiled with -mavx2 -mfma only for this file.
#include <immintrin.h>

#include "gemm/kernels.hpp"
#include "gemm/ukernel_x2.hpp"

namespace mlpe::gemm {

namespace {

struct Ymm {  // ukernel_x2.hpp's vector type: 8 floats
  using Reg = __m256;
  static constexpr int kLanes = 8;
  static Reg Zero() { return _mm256_setzero_ps(); }
  static Reg Set1(float x) { return _mm256_set1_ps(x); }
  static Reg Load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg LoadAligned(const float* p) { return _mm256_load_ps(p); }
  static void Store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg Mul(Reg x, Reg y) { return _mm256_mul_ps(x, y); }
  static Reg Fmadd(Reg x, Reg y, Reg z) { return _mm256_fmadd_ps(x, y, z); }
};

}  // namespace

std::vector<MicroKernel> Avx2MicroKernels() {
  return {{Isa::Avx2, 6, 16, "sgemm_avx2_6x16", PackedKernelX2<Ymm, 6>, SupKernelX2<Ymm, 6, true>,
           SupKernelX2<Ymm, 6, false>}};
}

}  // namespace mlpe::gemm
