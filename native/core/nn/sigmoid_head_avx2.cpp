// The sigmoid heads' bodies, 8 floats per step (sigmoid_head_x.hpp); compiled with -mavx2 flags (see
// CMakeLists) and called only when cpuid says the ISA is usable.
#include "common/simd_avx2.hpp"
#include "nn/sigmoid_head.hpp"
#include "nn/sigmoid_head_x.hpp"

namespace mlpe::nn {

SigmoidBodies SigmoidBodiesAvx2() { return {SigmoidActivateX<Ymm>, SigmoidTermsX<Ymm>}; }

}  // namespace mlpe::nn
