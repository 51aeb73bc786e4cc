// Adam's update, 16 floats per step (adam_x.hpp); compiled with -mavx512 flags (see CMakeLists) and called
// only when cpuid says the ISA is usable.
#include "common/simd_avx512.hpp"
#include "nn/adam_x.hpp"

namespace mlpe::nn {

int64_t AdamUpdateAvx512(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta,
                         int64_t begin, int64_t end) {
  return AdamUpdateX<Zmm>(f, g, m1, m2, theta, begin, end);
}

}  // namespace mlpe::nn
