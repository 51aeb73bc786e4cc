// The epilogue of one element of C, in the order every path applies it (the vector tiles too): + bias,
// then ReLU, whose `x > 0 ? x : 0` maps NaN and −0 to +0 as the vector max does.
#pragma once
#include <cstdint>

namespace mlpe::gemm {

// v with bias[j] added (bias == nullptr: none), then ReLU when `relu`.
inline float BiasRelu(float v, const float* bias, int64_t j, bool relu) {
  if (bias) v += bias[j];
  return relu && !(v > 0.0f) ? 0.0f : v;
}

}  // namespace mlpe::gemm
