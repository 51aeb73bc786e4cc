// The elementwise part of a dense layer's backward pass, in one sweep over the layer's gradient G:
//   dZ = G ⊙ [A > 0]  in place (hidden layers; A the ReLU output),   ∂b = column sums of dZ.
// On narrow BUTTER layers this sweep costs as much as a GEMM, so floats take an AVX-512 or AVX2 body when
// cpuid allows (dense_backward_avx512.cpp, dense_backward_avx2.cpp). Each column's sum runs over the
// rows in order in all of them, so they give bit-identical gradients.
#pragma once
#include <algorithm>
#include <cmath>
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

// The one-unit output layer (binary and regression heads) and the elementwise part of the hidden layer
// below it, backward in one sweep over that layer's rows. On BUTTER's small networks the three products
// it replaces (the unit's ∂w = Hᵀ·g and its rank-one ∂L/∂H = g·wᵀ, each a few hundred ns of call and
// edge handling for a few thousand FMAs) and the separate mask sweep cost ~3 µs a minibatch. Per row r,
// with g_r = ∂L/∂z_r of the unit, h_r the hidden layer's output (the unit's input) and a_r its ReLU output:
//   ∂w += g_r·h_r,  ∂b_unit += g_r,  d = g_r·w (∂L/∂h_r),  skip_r = d (when the hidden layer is residual),
//   dz_r = d ⊙ [a_r > 0],  ∂b += dz_r.
// Rows are summed in order from 0, as the mask sweep and the GEMM's k loop do.
//
// The unit's ∂b: its m gradients summed in order.
template <typename T>
T UnitBiasGradient(const T* g, int64_t m) {
  T sum = 0;
  for (int64_t r = 0; r < m; ++r) sum += g[r];
  return sum;
}

// The hidden layer's columns [j_begin, j_end), one at a time (the scalar loop, and AVX2's last width % 8).
template <typename T>
void OutputUnitColumnsScalar(const T* g, const T* h, const T* relu_out, const T* w, int64_t m, int64_t width,
                             int64_t j_begin, int64_t j_end, T* dw, T* dz, T* skip, T* db) {
  for (int64_t j = j_begin; j < j_end; ++j) {
    T dwj = 0, dbj = 0;
    for (int64_t r = 0; r < m; ++r) {
      const int64_t i = r * width + j;
      dwj = std::fma(h[i], g[r], dwj);  // fused, as the vector bodies' FMA
      const T d = g[r] * w[j];
      if (skip) skip[i] = d;
      dz[i] = relu_out[i] > T(0) ? d : T(0);
      dbj += dz[i];
    }
    dw[j] = dwj, db[j] = dbj;
  }
}

template <typename T>
void OutputUnitBackwardScalar(const T* g, const T* h, const T* relu_out, const T* w, int64_t m, int64_t width,
                              T* dw, T* db_unit, T* dz, T* skip, T* db) {
  *db_unit = UnitBiasGradient(g, m);
  OutputUnitColumnsScalar(g, h, relu_out, w, m, width, 0, width, dw, dz, skip, db);
}

void OutputUnitBackwardAvx512(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                              int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db);
void OutputUnitBackwardAvx2(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                            int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db);

void OutputUnitBackward(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                        int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db);
void OutputUnitBackward(const double* g, const double* h, const double* relu_out, const double* w, int64_t m,
                        int64_t width, double* dw, double* db_unit, double* dz, double* skip, double* db);

void MaskAndBiasGradientAvx512(float* g, const float* relu_out, int64_t m, int64_t width, float* db);
void MaskAndBiasGradientAvx2(float* g, const float* relu_out, int64_t m, int64_t width, float* db);

void MaskAndBiasGradient(float* g, const float* relu_out, int64_t m, int64_t width, float* db);
void MaskAndBiasGradient(double* g, const double* relu_out, int64_t m, int64_t width, double* db);

}  // namespace mlpe::nn
