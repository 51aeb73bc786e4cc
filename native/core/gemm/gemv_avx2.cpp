// Gemv's two sweeps on 8 lanes (gemv_x.hpp's bodies); compiled with AVX2 + FMA flags, called only when the
// tiling's isa is avx2 (validated against cpuid). Tails use vmaskmovps, once per row or column block.
#include "common/simd_avx2.hpp"
#include "gemm/gemv.hpp"
#include "gemm/gemv_x.hpp"

namespace mlpe::gemm {

GemvSweeps Avx2GemvSweeps() { return {DotRowsX<Ymm>, AxpyRowsX<Ymm>}; }

}  // namespace mlpe::gemm
