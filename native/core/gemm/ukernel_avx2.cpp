// AVX2 + FMA micro-kernel 6×16 (BLIS haswell layout): 12 ymm accumulators = 6 rows × 2 vectors of 8;
// per k step 2 loads of B, 6 broadcasts of A, 12 FMAs. The packed kernel and its unpacked ("sup") variants
// are ukernel_x2.hpp's bodies on 8 lanes: 12 accumulators + 2 B vectors + 1 broadcast fit 16 ymm registers.
// Compiled with -mavx2 -mfma only for this file.
#include "common/simd_avx2.hpp"
#include "gemm/kernels.hpp"
#include "gemm/thin_x.hpp"
#include "gemm/ukernel_x2.hpp"

namespace mlpe::gemm {

namespace {
// One table per A layout for every height up to the largest MR, shared by all the tiles below.
constexpr auto kSupRows = SupKernelsByHeight<Ymm, true>(std::make_integer_sequence<int, 6>{});
constexpr auto kSupCols = SupKernelsByHeight<Ymm, false>(std::make_integer_sequence<int, 6>{});
}  // namespace

std::vector<MicroKernel> Avx2MicroKernels() {
  return {{Isa::Avx2, 6, 16, "sgemm_avx2_6x16", PackedKernelX2<Ymm, 6>, kSupRows.data(), kSupCols.data(), false,
           ThinDot<Ymm>, ThinAxpy<Ymm>}};
}

}  // namespace mlpe::gemm
