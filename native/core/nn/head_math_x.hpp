// The output heads' per-value math (nn/head_math.hpp) written once for any lane type V:
// common/simd_avx512.hpp's Zmm, simd_avx2.hpp's Ymm, or head_math.cpp's one-lane F32, which runs the
// tails and CPUs without AVX2. Every instantiation performs the same IEEE operations in the same order
// (FMAs explicit; the ISA files are built with -ffp-contract=off), so results are bit-identical whichever
// runs, and a run's losses do not depend on the CPU.
// V: Reg, kLanes, Zero, Set1, Load, Store, Add, Sub, Mul, Div, Fmadd, Max (y where either is NaN),
// SelectPositive(a, x, y) = a > 0 ? x : y, RoundNearest (ties to even), Pow2 (2^k for integral k ≥ −126).
#pragma once
#include <cstdint>

#include "nn/spec.hpp"

namespace mlpe::nn {

template <class V>
struct SigmoidMath {
  using R = typename V::Reg;

  // e^−a for a ≥ 0 (NaN for NaN): Cody–Waite reduction −a = k·ln2 + r with ln2 = C1 + C2 (C1 short, so
  // k·C1 is exact), |r| ≲ ln2/2, then the degree-7 Taylor polynomial (truncation < 6e-9 relative) times
  // 2^k. 0 past a = 87.33, where e^−a falls below FLT_MIN.
  static R ExpNeg(R a) {
    const R k = V::RoundNearest(V::Mul(a, V::Set1(-1.44269504088896341f)));
    R r = V::Fmadd(k, V::Set1(-0.693359375f), V::Sub(V::Zero(), a));
    r = V::Fmadd(k, V::Set1(2.12194440e-4f), r);
    R q = V::Set1(1.0f / 5040.0f);
    q = V::Fmadd(q, r, V::Set1(1.0f / 720.0f));
    q = V::Fmadd(q, r, V::Set1(1.0f / 120.0f));
    q = V::Fmadd(q, r, V::Set1(1.0f / 24.0f));
    q = V::Fmadd(q, r, V::Set1(1.0f / 6.0f));
    q = V::Fmadd(q, r, V::Set1(0.5f));
    q = V::Fmadd(q, r, V::Set1(1.0f));
    q = V::Fmadd(q, r, V::Set1(1.0f));
    return V::SelectPositive(V::Sub(a, V::Set1(87.33f)), V::Zero(), V::Mul(q, V::Pow2(k)));
  }

  // log(1 + e) for 0 ≤ e ≤ 1: 2·atanh(s) with s = e / (2 + e) ≤ 1/3 (no cancellation for small e), the
  // odd series to s^13 (truncation < 2e-8 relative).
  static R Log1p(R e) {
    const R s = V::Div(e, V::Add(V::Set1(2.0f), e));
    const R s2 = V::Mul(s, s);
    R q = V::Set1(1.0f / 13.0f);
    q = V::Fmadd(q, s2, V::Set1(1.0f / 11.0f));
    q = V::Fmadd(q, s2, V::Set1(1.0f / 9.0f));
    q = V::Fmadd(q, s2, V::Set1(1.0f / 7.0f));
    q = V::Fmadd(q, s2, V::Set1(1.0f / 5.0f));
    q = V::Fmadd(q, s2, V::Set1(1.0f / 3.0f));
    const R two_s = V::Add(s, s);
    return V::Fmadd(V::Mul(two_s, s2), q, two_s);
  }

  static R Abs(R z) { return V::Max(z, V::Sub(V::Zero(), z)); }

  // σ(z) = (z > 0 ? 1 : e) / (1 + e) with e = e^−|z|: never exp of a positive number, so no overflow.
  static R Sigmoid(R z) {
    const R e = ExpNeg(Abs(z));
    return V::Div(V::SelectPositive(z, V::Set1(1.0f), e), V::Add(V::Set1(1.0f), e));
  }
};

// p := σ(z) for values [begin, end) in whole vectors; returns the first value left for a narrower V.
template <class V>
int64_t SigmoidActivateX(const float* z, int64_t begin, int64_t end, float* p) {
  int64_t i = begin;
  for (; i + V::kLanes <= end; i += V::kLanes) V::Store(p + i, SigmoidMath<V>::Sigmoid(V::Load(z + i)));
  return i;
}

// a := e^−a in place for values [begin, end) in whole vectors (softmax's e^(z − max) with a = max − z);
// returns the first value left.
template <class V>
int64_t ExpNegX(float* a, int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + V::kLanes <= end; i += V::kLanes) V::Store(a + i, SigmoidMath<V>::ExpNeg(V::Load(a + i)));
  return i;
}

// Per value of logits z, activations p, targets y over [begin, end) in whole vectors: terms (BCE: the
// loss max(z, 0) − z·y + log1p(e^−|z|); MSE: the error p − y, which the caller squares in double) and,
// when dz, the gradient (BCE: scale·(p − y); MSE: ((scale·(p − y))·p)·(1 − p)). Returns the first value left.
template <class V>
int64_t SigmoidTermsX(Head head, const float* z, const float* p, const float* y, int64_t begin, int64_t end, float scale,
                      float* terms, float* dz) {
  using M = SigmoidMath<V>;
  using R = typename V::Reg;
  const R vscale = V::Set1(scale), one = V::Set1(1.0f);
  int64_t i = begin;
  for (; i + V::kLanes <= end; i += V::kLanes) {
    const R pi = V::Load(p + i), yi = V::Load(y + i), err = V::Sub(pi, yi);
    if (head == Head::SigmoidBce) {
      const R zi = V::Load(z + i);
      V::Store(terms + i, V::Add(V::Sub(V::Max(zi, V::Zero()), V::Mul(zi, yi)), M::Log1p(M::ExpNeg(M::Abs(zi)))));
      if (dz) V::Store(dz + i, V::Mul(vscale, err));
    } else {
      V::Store(terms + i, err);
      if (dz) V::Store(dz + i, V::Mul(V::Mul(V::Mul(vscale, err), pi), V::Sub(one, pi)));
    }
  }
  return i;
}

}  // namespace mlpe::nn
