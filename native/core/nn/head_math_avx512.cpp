// The output heads' bodies, 16 floats per step (head_math_x.hpp); compiled with -mavx512 flags (see
// CMakeLists) and called only when cpuid says the ISA is usable.
#include "common/simd_avx512.hpp"
#include "nn/head_math.hpp"
#include "nn/head_math_x.hpp"

namespace mlpe::nn {

HeadBodies HeadBodiesAvx512() { return {SigmoidActivateX<Zmm>, ExpNegX<Zmm>, SigmoidTermsX<Zmm>}; }

}  // namespace mlpe::nn
