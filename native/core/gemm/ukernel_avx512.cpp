// AVX-512 micro-kernels MR×32 for row-major C: 2·MR zmm accumulators (MR rows × 2 vectors of 16);
// per k step 2 loads of B, MR broadcasts of A (folded into the FMA as {1to16} memory operands),
// 2·MR FMAs. 32 zmm registers allow MR up to 14 (28 accumulators + 2 B vectors + spare). The bodies are
// ukernel_x2.hpp's, shared with the AVX2 kernel, on 16 lanes.
// Compiled with -mavx512f/bw/dq/vl only for this file; chosen at run time from cpuid.
#include "common/simd_avx512.hpp"
#include "gemm/kernels.hpp"
#include "gemm/ukernel_x2.hpp"

namespace mlpe::gemm {

std::vector<MicroKernel> Avx512MicroKernels() {
  return {
      {Isa::Avx512, 6, 32, "sgemm_avx512_6x32", PackedKernelX2<Zmm, 6>, SupKernelX2<Zmm, 6, true>,
       SupKernelX2<Zmm, 6, false>},
      {Isa::Avx512, 8, 32, "sgemm_avx512_8x32", PackedKernelX2<Zmm, 8>, SupKernelX2<Zmm, 8, true>,
       SupKernelX2<Zmm, 8, false>},
      {Isa::Avx512, 12, 32, "sgemm_avx512_12x32", PackedKernelX2<Zmm, 12>, SupKernelX2<Zmm, 12, true>,
       SupKernelX2<Zmm, 12, false>},
      {Isa::Avx512, 14, 32, "sgemm_avx512_14x32", PackedKernelX2<Zmm, 14>, SupKernelX2<Zmm, 14, true>,
       SupKernelX2<Zmm, 14, false>},
  };
}

}  // namespace mlpe::gemm
