// The sigmoid heads' bodies, 16 floats per step (sigmoid_head_x.hpp); compiled with -mavx512 flags (see
// CMakeLists) and called only when cpuid says the ISA is usable.
#include "common/simd_avx512.hpp"
#include "nn/sigmoid_head.hpp"
#include "nn/sigmoid_head_x.hpp"

namespace mlpe::nn {

SigmoidBodies SigmoidBodiesAvx512() { return {SigmoidActivateX<Zmm>, SigmoidTermsX<Zmm>}; }

}  // namespace mlpe::nn
