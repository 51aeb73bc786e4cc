// Kernels for the input layer of BUTTER's few-feature datasets (n_in ≤ 8 inputs), where the generic GEMM's
// short-k products are bound by moving their output rather than by their FMAs.
//
// Forward: H₀ = ReLU(X·W₀ + b₀) with W₀'s 8 × 32-column block in registers and the bias as the accumulators'
// start, so a row costs its n_in × 2 FMAs, one max and one store per vector (the GEMM's 12×32 tile adds the
// bias and takes the ReLU after its k loop, and packs its panels first).
//
// Backward: the layer above the input layer fused with the input layer's own gradients. With dZ₁ = ∂L/∂Z of
// layer 1 (m × w₁), its kernel W₁ (w₀ × w₁), the input layer's ReLU output H₀ (m × w₀) and the input X (m × n_in):
//   dZ₀ = (dZ₁·W₁ᵀ) ⊙ [H₀ > 0],   ∂W₀ = Xᵀ·dZ₀,   ∂b₀ = column sums of dZ₀.
// Unfused, dZ₀ is a product with k = w₁ (13 on 8-182-13-1) stored as m × w₀ floats and read back by the
// ∂W₀ product (k = m, n_in rows): both short-k, both bound by moving dZ₀, not by their FMAs. Fused, a tile
// of dZ₀ rows stays in registers and goes straight into ∂W₀ and ∂b₀, which stay in registers across all
// rows: n_in × 2 vectors for a 32-column block, so n_in ≤ 8 (kInputLayerMaxInputs). dZ₀ itself is never stored.
// Rows are summed in order from 0 for every ∂W₀ and ∂b₀ element, so the result does not depend on the
// tiling; it differs from the unfused GEMMs' only by rounding.
#pragma once
#include <cstdint>

namespace mlpe::nn {

inline constexpr int64_t kInputLayerMaxInputs = 8;

// W₁ᵀ as the fused body reads it: w₁ rows of `ld` floats, the columns past w₀ zero. ld = w₀ rounded up to 16.
inline int64_t InputLayerTransposedLd(int64_t w0) { return (w0 + 15) / 16 * 16; }
// The plain copy (any T; the tests' reference for the float overload's gathers below).
template <typename T>
void TransposeForInputLayer(const T* w1, int64_t w0, int64_t w1_width, T* w1t) {
  const int64_t ld = InputLayerTransposedLd(w0);
  for (int64_t j = 0; j < w1_width; ++j) {
    T* row = w1t + j * ld;
    for (int64_t c = 0; c < w0; ++c) row[c] = w1[c * w1_width + j];
    for (int64_t c = w0; c < ld; ++c) row[c] = T(0);
  }
}

// The definition, one element at a time (the tests' reference; any T).
template <typename T>
void InputLayerBackwardScalar(const T* dz1, int64_t w1_width, const T* w1, const T* h0, int64_t w0, const T* x,
                              int64_t n_in, int64_t m, T* dw0, T* db0) {
  for (int64_t i = 0; i < n_in * w0; ++i) dw0[i] = T(0);
  for (int64_t c = 0; c < w0; ++c) db0[c] = T(0);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < w0; ++c) {
      T d = 0;
      for (int64_t j = 0; j < w1_width; ++j) d += dz1[r * w1_width + j] * w1[c * w1_width + j];
      if (!(h0[r * w0 + c] > T(0))) d = T(0);
      db0[c] += d;
      for (int64_t i = 0; i < n_in; ++i) dw0[i * w0 + c] += x[r * n_in + i] * d;
    }
  }
}

// The definition of the forward (the tests' reference; any T).
template <typename T>
void InputLayerForwardScalar(const T* x, int64_t n_in, const T* w0, const T* b0, int64_t w0_width, int64_t m, T* h0) {
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < w0_width; ++c) {
      T z = b0[c];
      for (int64_t i = 0; i < n_in; ++i) z += x[r * n_in + i] * w0[i * w0_width + c];
      h0[r * w0_width + c] = z > T(0) ? z : T(0);
    }
}

// Whether InputLayerForward and InputLayerBackward run here: AVX-512 (their masked tails are cheap there)
// and n_in ≤ 8.
bool InputLayerKernelsRun(int64_t n_in);

// TransposeForInputLayer for floats, with gathers (only where InputLayerKernelsRun).
void TransposeForInputLayer(const float* w1, int64_t w0, int64_t w1_width, float* w1t);

// x: m × n_in; w0: n_in × w0_width (layer 0's kernel); b0: w0_width; writes h0 (m × w0_width), ReLU applied.
// Only where InputLayerKernelsRun(n_in).
void InputLayerForward(const float* x, int64_t n_in, const float* w0, const float* b0, int64_t w0_width, int64_t m,
                       float* h0);
void InputLayerForwardAvx512(const float* x, int64_t n_in, const float* w0, const float* b0, int64_t w0_width,
                             int64_t m, float* h0);
void TransposeForInputLayerAvx512(const float* w1, int64_t w0, int64_t w1_width, float* w1t);

// dz1: m × w1_width; w1t: TransposeForInputLayer of layer 1's kernel; h0: m × w0; x: m × n_in;
// writes dw0 (n_in × w0) and db0 (w0). Only where InputLayerKernelsRun(n_in).
void InputLayerBackward(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                        const float* x, int64_t n_in, int64_t m, float* dw0, float* db0);
void InputLayerBackwardAvx512(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                              const float* x, int64_t n_in, int64_t m, float* dw0, float* db0);

}  // namespace mlpe::nn
