// Adam's vector body written once for any vector type V (adam_avx512.cpp: 16 lanes, adam_avx2.cpp: 8),
// each lane doing AdamUpdateScalar's operations in its order: separate mul and add (the ISA files are
// built with -ffp-contract=off), IEEE sqrt and div, so every body is bit-identical to the scalar loop.
// V: Reg, kLanes, Set1, Load, Store (unaligned), Add, Sub, Mul, Div, Sqrt. Only the ISA files include this,
// with their ISA's V from common/simd_*.hpp (an anonymous namespace, so each instantiation stays inside
// its own -m flags).
#pragma once
#include <cstdint>

#include "nn/adam.hpp"

namespace mlpe::nn {

// Returns the first element left for the scalar tail.
template <class V>
int64_t AdamUpdateX(const AdamFactors<float>& f, const float* g, float* m1, float* m2, float* theta, int64_t begin,
                    int64_t end) {
  using R = typename V::Reg;
  const R b1 = V::Set1(f.beta1), b2 = V::Set1(f.beta2);
  const R c1 = V::Set1(1.0f - f.beta1), c2 = V::Set1(1.0f - f.beta2);
  const R lr = V::Set1(f.lr_t), eps = V::Set1(f.epsilon);
  int64_t i = begin;
  for (; i + V::kLanes <= end; i += V::kLanes) {
    const R gi = V::Load(g + i);
    const R m = V::Add(V::Mul(b1, V::Load(m1 + i)), V::Mul(c1, gi));
    const R v = V::Add(V::Mul(b2, V::Load(m2 + i)), V::Mul(V::Mul(c2, gi), gi));
    const R step = V::Div(V::Mul(lr, m), V::Add(V::Sqrt(v), eps));
    V::Store(m1 + i, m);
    V::Store(m2 + i, v);
    V::Store(theta + i, V::Sub(V::Load(theta + i), step));
  }
  return i;
}

}  // namespace mlpe::nn
