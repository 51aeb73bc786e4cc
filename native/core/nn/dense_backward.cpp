#include "nn/dense_backward.hpp"

#include "hw/cpu.hpp"

namespace mlpe::nn {

void MaskAndBiasGradient(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
#if defined(__x86_64__) || defined(_M_X64)
  static const int lanes = hw::Cpu().UsableAvx512() ? 16 : hw::Cpu().UsableAvx2() ? 8 : 1;
  if (lanes == 16) return MaskAndBiasGradientAvx512(g, relu_out, m, width, db);
  if (lanes == 8) return MaskAndBiasGradientAvx2(g, relu_out, m, width, db);
#endif
  MaskAndBiasGradientScalar(g, relu_out, m, width, db);
}

void MaskAndBiasGradient(double* g, const double* relu_out, int64_t m, int64_t width, double* db) {
  MaskAndBiasGradientScalar(g, relu_out, m, width, db);
}

}  // namespace mlpe::nn
