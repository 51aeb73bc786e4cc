// The elementwise part of a dense layer's backward pass, in one sweep over the layer's gradient G:
//   dZ = G ⊙ [A > 0]  in place (hidden layers; A the ReLU output),   ∂b = column sums of dZ.
// On narrow BUTTER layers this sweep costs as much as a GEMM, so floats take an AVX-512 or AVX2 body when
// cpuid allows (dense_backward_avx512.cpp, dense_backward_avx2.cpp). Each column's sum runs over the
// rows in order in all of them, so they give bit-identical gradients.
#pragma once
#include <algorithm>
#include <cstdint>

namespace mlpe::nn {

// relu_out == nullptr: no mask (the output layer, whose G is already ∂L/∂Z).
template <typename T>
void MaskAndBiasGradientScalar(T* g, const T* relu_out, int64_t m, int64_t width, T* db) {
  std::fill(db, db + width, T(0));
  for (int64_t r = 0; r < m; ++r) {
    T* gr = g + r * width;
    if (relu_out) {
      const T* ar = relu_out + r * width;
      for (int64_t j = 0; j < width; ++j) gr[j] = ar[j] > T(0) ? gr[j] : T(0);
    }
    for (int64_t j = 0; j < width; ++j) db[j] += gr[j];
  }
}

void MaskAndBiasGradientAvx512(float* g, const float* relu_out, int64_t m, int64_t width, float* db);
void MaskAndBiasGradientAvx2(float* g, const float* relu_out, int64_t m, int64_t width, float* db);

void MaskAndBiasGradient(float* g, const float* relu_out, int64_t m, int64_t width, float* db);
void MaskAndBiasGradient(double* g, const double* relu_out, int64_t m, int64_t width, double* db);

}  // namespace mlpe::nn
