// Adam's update, 16 floats per step; compiled with -mavx512 flags (see CMakeLists) and called only when
// cpuid says the ISA is usable. Separate mul and add (no FMA) keep it bit-identical to the scalar loop.
// GCC 12 passes _mm512_undefined_ps() inside _mm512_sqrt_ps, which -Wmaybe-uninitialized reports.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "nn/adam.hpp"

namespace mlpe::nn {

int64_t AdamUpdateAvx512(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta,
                         int64_t begin, int64_t end) {
  const __m512 b1 = _mm512_set1_ps(f.beta1), b2 = _mm512_set1_ps(f.beta2);
  const __m512 c1 = _mm512_set1_ps(1.0f - f.beta1), c2 = _mm512_set1_ps(1.0f - f.beta2);
  const __m512 lr = _mm512_set1_ps(f.lr_t), eps = _mm512_set1_ps(f.epsilon);
  int64_t i = begin;
  for (; i + 16 <= end; i += 16) {
    const __m512 gi = _mm512_loadu_ps(g + i);
    const __m512 m = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(m1 + i)), _mm512_mul_ps(c1, gi));
    const __m512 v = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(m2 + i)), _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
    const __m512 step = _mm512_div_ps(_mm512_mul_ps(lr, m), _mm512_add_ps(_mm512_sqrt_ps(v), eps));
    _mm512_storeu_ps(m1 + i, m);
    _mm512_storeu_ps(m2 + i, v);
    _mm512_storeu_ps(theta + i, _mm512_sub_ps(_mm512_loadu_ps(theta + i), step));
  }
  return i;
}

}  // namespace mlpe::nn
