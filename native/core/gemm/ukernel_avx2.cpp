// AVX2 + FMA micro-kernel 6×16 (BLIS haswell layout): 12 ymm accumulators = 6 rows × 2 vectors of 8;
// per k step 2 loads of B, 6 broadcasts of A, 12 FMAs. The packed kernel and its unpacked ("sup") variants
// are ukernel_x2.hpp's bodies on 8 lanes: 12 accumulators + 2 B vectors + 1 broadcast fit 16 ymm registers.
// Compiled with -mavx2 -mfma only for this file.
#include "common/simd_avx2.hpp"
#include "gemm/kernels.hpp"
#include "gemm/ukernel_x2.hpp"

namespace mlpe::gemm {

std::vector<MicroKernel> Avx2MicroKernels() {
  return {{Isa::Avx2, 6, 16, "sgemm_avx2_6x16", PackedKernelX2<Ymm, 6>, SupKernelX2<Ymm, 6, true>,
           SupKernelX2<Ymm, 6, false>}};
}

}  // namespace mlpe::gemm
