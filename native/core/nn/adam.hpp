// Keras Adam's elementwise update (TF's ApplyAdam) over a span of parameters:
//   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  θ ← θ − lr_t·m/(sqrt(v) + ε).
// It reads and writes four arrays per parameter, so on a 2^20-parameter network it is the largest
// non-GEMM cost of a step; the float version runs 16 (AVX-512) or 8 (AVX2) lanes at a time, chosen from
// cpuid. Every lane does the scalar loop's operations in the scalar loop's order (mul, add, IEEE sqrt
// and div, no FMA contraction), so all give bit-identical parameters.
#pragma once
#include <cmath>
#include <cstdint>

namespace mlpe::nn {

template <typename T>
struct AdamFactors {
  T lr_t, beta1, beta2, epsilon;  // lr_t: the step's bias-corrected learning rate
};

template <typename T>
void AdamUpdateScalar(const AdamFactors<T>& f, const T* g, T* m1, T* m2, T* theta, int64_t begin, int64_t end) {
  const T c1 = T(1) - f.beta1, c2 = T(1) - f.beta2;
  for (int64_t i = begin; i < end; ++i) {
    m1[i] = f.beta1 * m1[i] + c1 * g[i];
    m2[i] = f.beta2 * m2[i] + c2 * g[i] * g[i];
    theta[i] -= f.lr_t * m1[i] / (std::sqrt(m2[i]) + f.epsilon);
  }
}

// Elements [begin, end) with the widest usable ISA.
void AdamUpdate(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta, int64_t begin,
                int64_t end);

// The vector bodies (adam_x.hpp in adam_avx512.cpp, adam_avx2.cpp): they return the first element they
// left for the scalar tail.
int64_t AdamUpdateAvx512(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta,
                         int64_t begin, int64_t end);
int64_t AdamUpdateAvx2(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta,
                       int64_t begin, int64_t end);

}  // namespace mlpe::nn
