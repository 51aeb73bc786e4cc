#include "nn/adam.hpp"

#include "hw/cpu.hpp"

namespace mlpe::nn {

void AdamUpdate(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta, int64_t begin,
                int64_t end) {
#if defined(__x86_64__) || defined(_M_X64)
  static const int lanes = hw::Cpu().UsableAvx512() ? 16 : hw::Cpu().UsableAvx2() ? 8 : 1;
  if (lanes == 16) begin = AdamUpdateAvx512(f, g, m1, m2, theta, begin, end);
  else if (lanes == 8) begin = AdamUpdateAvx2(f, g, m1, m2, theta, begin, end);
#endif
  AdamUpdateScalar(f, g, m1, m2, theta, begin, end);
}

}  // namespace mlpe::nn
