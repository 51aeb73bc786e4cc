// Gemv's two sweeps on 16 lanes (gemv_x.hpp's bodies); compiled with AVX-512 flags, called only when the
// tiling's isa is avx512 (validated against cpuid).
#include "common/simd_avx512.hpp"
#include "gemm/gemv.hpp"
#include "gemm/gemv_x.hpp"

namespace mlpe::gemm {

GemvSweeps Avx512GemvSweeps() { return {DotRowsX<Zmm>, AxpyRowsX<Zmm>}; }

}  // namespace mlpe::gemm
