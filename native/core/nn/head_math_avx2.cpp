// The output heads' bodies, 8 floats per step (head_math_x.hpp); compiled with -mavx2 flags (see
// CMakeLists) and called only when cpuid says the ISA is usable.
#include "common/simd_avx2.hpp"
#include "nn/head_math.hpp"
#include "nn/head_math_x.hpp"

namespace mlpe::nn {

HeadBodies HeadBodiesAvx2() { return {SigmoidActivateX<Ymm>, ExpNegX<Ymm>, SigmoidTermsX<Ymm>}; }

}  // namespace mlpe::nn
