// AVX-512 micro-kernels MR×32 for row-major C: 2·MR zmm accumulators (MR rows × 2 vectors of 16);
// per k step 2 loads of B, MR broadcasts of A (folded into the FMA as {1to16} memory operands),
// 2·MR FMAs. 32 zmm registers allow MR up to 14 (28 accumulators + 2 B vectors + spare). The bodies are
// ukernel_x2.hpp's, shared with the AVX2 kernel, on 16 lanes.
// Compiled with -mavx512f/bw/dq/vl only for this file; chosen at run time from cpuid.
#include "common/simd_avx512.hpp"
#include "gemm/kernels.hpp"
#include "gemm/thin_x.hpp"
#include "gemm/ukernel_x2.hpp"

namespace mlpe::gemm {

namespace {
// One table per A layout for every height up to the largest MR, shared by all the tiles below.
constexpr auto kSupRows = SupKernelsByHeight<Zmm, true>(std::make_integer_sequence<int, 14>{});
constexpr auto kSupCols = SupKernelsByHeight<Zmm, false>(std::make_integer_sequence<int, 14>{});
}  // namespace

std::vector<MicroKernel> Avx512MicroKernels() {
  const auto tile = [](int mr, const char* name, MicroKernelFn fn) {
    return MicroKernel{Isa::Avx512, mr, 32, name, fn, kSupRows.data(), kSupCols.data(), true, ThinDot<Zmm>, ThinAxpy<Zmm>};
  };
  return {tile(6, "sgemm_avx512_6x32", PackedKernelX2<Zmm, 6>), tile(8, "sgemm_avx512_8x32", PackedKernelX2<Zmm, 8>),
          tile(12, "sgemm_avx512_12x32", PackedKernelX2<Zmm, 12>), tile(14, "sgemm_avx512_14x32", PackedKernelX2<Zmm, 14>)};
}

}  // namespace mlpe::gemm
