#include "nn/dense_backward.hpp"

#include "hw/cpu.hpp"

namespace mlpe::nn {

#if defined(__x86_64__) || defined(_M_X64)
namespace {
// The widest vector body cpuid allows: 16 (AVX-512), 8 (AVX2) or 1 (scalar).
int Lanes() {
  static const int lanes = hw::Cpu().UsableAvx512() ? 16 : hw::Cpu().UsableAvx2() ? 8 : 1;
  return lanes;
}
}  // namespace
#endif

void MaskAndBiasGradient(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
#if defined(__x86_64__) || defined(_M_X64)
  const int lanes = Lanes();
  if (lanes == 16) return MaskAndBiasGradientAvx512(g, relu_out, m, width, db);
  if (lanes == 8) return MaskAndBiasGradientAvx2(g, relu_out, m, width, db);
#endif
  MaskAndBiasGradientScalar(g, relu_out, m, width, db);
}

void OutputUnitBackward(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                        int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db) {
#if defined(__x86_64__) || defined(_M_X64)
  const int lanes = Lanes();
  if (lanes == 16) return OutputUnitBackwardAvx512(g, h, relu_out, w, m, width, dw, db_unit, dz, skip, db);
  if (lanes == 8) return OutputUnitBackwardAvx2(g, h, relu_out, w, m, width, dw, db_unit, dz, skip, db);
#endif
  OutputUnitBackwardScalar(g, h, relu_out, w, m, width, dw, db_unit, dz, skip, db);
}

void OutputUnitBackward(const double* g, const double* h, const double* relu_out, const double* w, int64_t m,
                        int64_t width, double* dw, double* db_unit, double* dz, double* skip, double* db) {
  OutputUnitBackwardScalar(g, h, relu_out, w, m, width, dw, db_unit, dz, skip, db);
}

void MaskAndBiasGradient(double* g, const double* relu_out, int64_t m, int64_t width, double* db) {
  MaskAndBiasGradientScalar(g, relu_out, m, width, db);
}

}  // namespace mlpe::nn
