// The narrow kernel on 16 lanes, 12 rows of C per tile (12 accumulators hide the FMA latency of two
// ports); compiled with AVX-512 flags, called only when the tiling's isa is avx512.
#include "common/simd_avx512.hpp"
#include "gemm/narrow_x.hpp"

namespace mlpe::gemm {

NarrowKernel Avx512NarrowKernel() { return {Zmm::kLanes, NarrowRowsX<Zmm, 12>}; }

}  // namespace mlpe::gemm
