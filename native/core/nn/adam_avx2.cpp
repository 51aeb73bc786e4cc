// Adam's update, 8 floats per step (adam_x.hpp); compiled with -mavx2 flags (see CMakeLists) and called
// only when cpuid says the ISA is usable.
#include "common/simd_avx2.hpp"
#include "nn/adam_x.hpp"

namespace mlpe::nn {

int64_t AdamUpdateAvx2(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta,
                       int64_t begin, int64_t end) {
  return AdamUpdateX<Ymm>(f, g, m1, m2, theta, begin, end);
}

}  // namespace mlpe::nn
