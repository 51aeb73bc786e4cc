// The narrow kernel on 8 lanes, 8 rows of C per tile (16 registers: 8 accumulators, B, the broadcast and
// the store's constants); compiled with AVX2+FMA flags, called only when the tiling's isa is avx2.
#include "common/simd_avx2.hpp"
#include "gemm/narrow_x.hpp"

namespace mlpe::gemm {

NarrowKernel Avx2NarrowKernel() { return {Ymm::kLanes, NarrowRowsX<Ymm, 8>}; }

}  // namespace mlpe::gemm
