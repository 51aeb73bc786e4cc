// Gemv's two vector sweeps (gemv.hpp) written once for any vector width: AVX2 (8 lanes) and AVX-512 (16).
// Only the ISA files include this, each with its ISA's vector type V (common/simd_*.hpp, in an anonymous
// namespace, so each instantiation is compiled with its own file's flags; see ukernel_x2.hpp):
//   V::Reg, V::Mask, V::kLanes, V::Zero(), V::Set1(float), V::Load(const float*) (unaligned),
//   V::Tail(n) (the first n lanes, 0 < n < kLanes), V::MaskLoad(Mask, const float*) (other lanes 0),
//   V::MaskStore(float*, Mask, Reg), V::Store(float*, Reg), V::Fmadd(x, y, z) = x·y + z, V::Sum(Reg),
//   V::SumEach(const Reg (&)[kLanes]) (lane r: the sum of register r).
#pragma once
#include <cstdint>

namespace mlpe::gemm {

// y[i] = Σ_p A[i·lda + p]·x[p]: A is m×k row-major. Short rows (k ≤ 2 vectors: the output unit of an
// exponential network's narrow tail) go a vector's worth of rows at a time, their sums out as one vector
// (V::SumEach): a horizontal sum per row costs more than the row's FMAs there (256×1×13 and 256×1×2:
// 0.50 → 0.37 µs). Longer rows go four at a time, whose four streams of A the prefetcher keeps up with
// better than a vector's worth (256×1×59: 0.71 µs four at a time, 0.77 sixteen); then one at a time.
template <class V>
void DotRowsX(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes;
  const int64_t k_full = k / L * L;
  const bool tail = k_full < k;
  const typename V::Mask t = V::Tail(tail ? static_cast<int>(k - k_full) : 1);
  int64_t i = 0;
  for (; k <= 2 * L && i + L <= m; i += L) {
    Reg s[L];
#pragma GCC unroll 16
    for (int r = 0; r < L; ++r) s[r] = V::Zero();
    for (int64_t p = 0; p < k_full; p += L) {
      const Reg xp = V::Load(x + p);
#pragma GCC unroll 16
      for (int r = 0; r < L; ++r) s[r] = V::Fmadd(V::Load(a + (i + r) * lda + p), xp, s[r]);
    }
    if (tail) {
      const Reg xp = V::MaskLoad(t, x + k_full);
#pragma GCC unroll 16
      for (int r = 0; r < L; ++r) s[r] = V::Fmadd(V::MaskLoad(t, a + (i + r) * lda + k_full), xp, s[r]);
    }
    V::Store(y + i, V::SumEach(s));
  }
  for (; i + 4 <= m; i += 4) {
    const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    Reg s0 = V::Zero(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t p = 0; p < k_full; p += L) {
      const Reg xp = V::Load(x + p);
      s0 = V::Fmadd(V::Load(a0 + p), xp, s0);
      s1 = V::Fmadd(V::Load(a1 + p), xp, s1);
      s2 = V::Fmadd(V::Load(a2 + p), xp, s2);
      s3 = V::Fmadd(V::Load(a3 + p), xp, s3);
    }
    if (tail) {
      const Reg xp = V::MaskLoad(t, x + k_full);
      s0 = V::Fmadd(V::MaskLoad(t, a0 + k_full), xp, s0);
      s1 = V::Fmadd(V::MaskLoad(t, a1 + k_full), xp, s1);
      s2 = V::Fmadd(V::MaskLoad(t, a2 + k_full), xp, s2);
      s3 = V::Fmadd(V::MaskLoad(t, a3 + k_full), xp, s3);
    }
    y[i + 0] = V::Sum(s0);
    y[i + 1] = V::Sum(s1);
    y[i + 2] = V::Sum(s2);
    y[i + 3] = V::Sum(s3);
  }
  for (; i < m; ++i) {
    Reg s = V::Zero();
    for (int64_t p = 0; p < k_full; p += L) s = V::Fmadd(V::Load(a + i * lda + p), V::Load(x + p), s);
    if (tail) s = V::Fmadd(V::MaskLoad(t, a + i * lda + k_full), V::MaskLoad(t, x + k_full), s);
    y[i] = V::Sum(s);
  }
}

// 64 columns y[0:64] = Σ_p A[p·lda + j]·x[p] (R = 64 / lanes registers across all k rows). kTail: only
// n[b] lanes of register b are columns of A and y (masked loads and stores; none when n[b] == 0).
template <class V, bool kTail>
inline void AxpyBlock(const float* a, int64_t lda, int64_t k, const float* x, float* y, const int* n,
                      const typename V::Mask* t) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes, R = 64 / L;
  auto valid = [&](int b) { return !kTail || n[b] > 0; };
  auto whole = [&](int b) { return !kTail || n[b] == L; };
  Reg acc[R];
#pragma GCC unroll 8
  for (int b = 0; b < R; ++b) acc[b] = V::Zero();
  for (int64_t p = 0; p < k; ++p) {
    const float* ap = a + p * lda;
    const Reg xp = V::Set1(x[p]);
#pragma GCC unroll 8
    for (int b = 0; b < R; ++b)
      if (valid(b)) acc[b] = V::Fmadd(whole(b) ? V::Load(ap + b * L) : V::MaskLoad(t[b], ap + b * L), xp, acc[b]);
  }
#pragma GCC unroll 8
  for (int b = 0; b < R; ++b) {
    if (whole(b)) V::Store(y + b * L, acc[b]);
    else if (valid(b)) V::MaskStore(y + b * L, t[b], acc[b]);
  }
}

// y[i] = Σ_p A[p·lda + i]·x[p]: A stored k×m, swept row by row 64 columns at a time, the last block masked.
template <class V>
void AxpyRowsX(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y) {
  constexpr int L = V::kLanes, R = 64 / L;
  int64_t i = 0;
  for (; i + 64 <= m; i += 64) AxpyBlock<V, false>(a + i, lda, k, x, y + i, nullptr, nullptr);
  if (i == m) return;
  int n[R];
  typename V::Mask t[R];
  for (int b = 0; b < R; ++b) {
    const int64_t left = m - i - b * L;
    n[b] = static_cast<int>(left <= 0 ? 0 : left < L ? left : L);
    t[b] = V::Tail(n[b] > 0 && n[b] < L ? n[b] : 1);
  }
  AxpyBlock<V, true>(a + i, lda, k, x, y + i, n, t);
}

}  // namespace mlpe::gemm
