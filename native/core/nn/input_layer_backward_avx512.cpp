// InputLayerBackward's body: 32 columns of dZ₀ (two vectors) at a time, for 4 rows at a time; compiled with
// AVX-512 flags, called only when cpuid says the ISA is usable. Registers: ∂W₀ n_in × 2, ∂b₀ 2, the dZ₀ tile
// 4 × 2 and W₁ᵀ's two vectors: 28 of 32 at n_in = 8.
#include "common/simd_avx512.hpp"
#include "nn/input_layer_backward.hpp"

namespace mlpe::nn {
namespace {

using R = Zmm::Reg;
constexpr int64_t L = Zmm::kLanes;

// Rows [r, r + kRows) of the column block at c0: their dZ₀ (kVecs vectors each, the last under `tail`),
// added into ∂W₀ and ∂b₀ row by row in order.
template <int kIn, int kVecs, int kRows>
inline void RowTile(const float* dz1, int64_t w1_width, const float* w1t, int64_t ld, const float* h0, int64_t w0,
                    const float* x, int64_t r, int64_t c0, Zmm::Mask tail, R (&dw)[kIn][kVecs], R (&db)[kVecs]) {
  R t[kRows][kVecs];
#pragma GCC unroll 4
  for (int q = 0; q < kRows; ++q)
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) t[q][v] = Zmm::Zero();
  const float* a = dz1 + r * w1_width;
  for (int64_t j = 0; j < w1_width; ++j) {
    R b[kVecs];
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) b[v] = Zmm::Load(w1t + j * ld + c0 + v * L);  // zero past w₀: no mask
#pragma GCC unroll 4
    for (int q = 0; q < kRows; ++q) {
      const R aq = Zmm::Set1(a[q * w1_width + j]);
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) t[q][v] = Zmm::Fmadd(aq, b[v], t[q][v]);
    }
  }
#pragma GCC unroll 4
  for (int q = 0; q < kRows; ++q) {
    const float* hq = h0 + (r + q) * w0 + c0;
    const float* xq = x + (r + q) * kIn;
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) {
      // The last vector's lanes past w₀ would read the next row of H₀ (or past the buffer): masked to 0,
      // which gates them to 0 too.
      const R h = v == kVecs - 1 ? Zmm::MaskLoad(tail, hq + v * L) : Zmm::Load(hq + v * L);
      t[q][v] = Zmm::ZeroUnlessPositive(h, t[q][v]);
      db[v] = Zmm::Add(db[v], t[q][v]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < kIn; ++i) {
      const R xi = Zmm::Set1(xq[i]);
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) dw[i][v] = Zmm::Fmadd(xi, t[q][v], dw[i][v]);
    }
  }
}

template <int kIn, int kVecs>
void ColumnBlock(const float* dz1, int64_t w1_width, const float* w1t, int64_t ld, const float* h0, int64_t w0,
                 const float* x, int64_t m, int64_t c0, float* dw0, float* db0) {
  const int64_t cols = w0 - c0 < kVecs * L ? w0 - c0 : kVecs * L;
  const int64_t last = cols - (kVecs - 1) * L;  // columns in the last vector, 1..16
  const Zmm::Mask tail = last == L ? static_cast<Zmm::Mask>(0xffff) : Zmm::Tail(static_cast<int>(last));
  R dw[kIn][kVecs], db[kVecs];
#pragma GCC unroll 8
  for (int i = 0; i < kIn; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) dw[i][v] = Zmm::Zero();
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v) db[v] = Zmm::Zero();
  int64_t r = 0;
  for (; r + 4 <= m; r += 4) RowTile<kIn, kVecs, 4>(dz1, w1_width, w1t, ld, h0, w0, x, r, c0, tail, dw, db);
  for (; r < m; ++r) RowTile<kIn, kVecs, 1>(dz1, w1_width, w1t, ld, h0, w0, x, r, c0, tail, dw, db);
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v) {
    const Zmm::Mask mask = v == kVecs - 1 ? tail : static_cast<Zmm::Mask>(0xffff);
#pragma GCC unroll 8
    for (int i = 0; i < kIn; ++i) Zmm::MaskStore(dw0 + i * w0 + c0 + v * L, mask, dw[i][v]);
    Zmm::MaskStore(db0 + c0 + v * L, mask, db[v]);
  }
}

template <int kIn>
void Columns(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0, const float* x,
             int64_t m, float* dw0, float* db0) {
  const int64_t ld = InputLayerTransposedLd(w0);
  for (int64_t c0 = 0; c0 < w0; c0 += 2 * L) {
    if (w0 - c0 > L) ColumnBlock<kIn, 2>(dz1, w1_width, w1t, ld, h0, w0, x, m, c0, dw0, db0);
    else ColumnBlock<kIn, 1>(dz1, w1_width, w1t, ld, h0, w0, x, m, c0, dw0, db0);
  }
}

}  // namespace

void InputLayerBackwardAvx512(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                              const float* x, int64_t n_in, int64_t m, float* dw0, float* db0) {
  switch (n_in) {
    case 1: return Columns<1>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 2: return Columns<2>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 3: return Columns<3>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 4: return Columns<4>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 5: return Columns<5>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 6: return Columns<6>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 7: return Columns<7>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    default: return Columns<8>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
  }
}

}  // namespace mlpe::nn
