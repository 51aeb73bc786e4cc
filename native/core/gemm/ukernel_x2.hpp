// The MR × (2 vectors) micro-kernels written once for any vector width: AVX2 (6×16, 8 lanes) and AVX-512
// (MR×32, 16 lanes) — the packed kernel, the unpacked ("sup") kernel and the alpha/beta store of the register
// tile they share. Only the ISA files include this, each with its own vector type V:
//   V::Reg, V::kLanes, V::Zero(), V::Set1(float), V::Load(const float*) (unaligned), V::LoadAligned,
//   V::Store(float*, Reg) (unaligned), V::Mul(x, y), V::Fmadd(x, y, z) = x·y + z; for edges and the
//   epilogue V::Mask, V::Tail(n), V::MaskLoad, V::MaskStore, V::Add, V::Max, V::kMaskRegisters.
// Per k step: 2 loads of B, MR broadcasts of A, 2·MR FMAs into 2·MR accumulators (BLIS haswell layout).
// The unpacked kernels exist for every height up to the ISA's largest MR, with masked column tails.
// V is common/simd_avx512.hpp's Zmm or simd_avx2.hpp's Ymm, declared in an anonymous namespace: the
// instantiations then have internal linkage, so the linker can never fold the AVX-512 copy into an AVX2
// caller (the files are compiled with different -m flags and -ffp-contract=off, hence the explicit Fmadd).
#pragma once
#include <array>
#include <cstdint>
#include <utility>

#include "gemm/kernels.hpp"

namespace mlpe::gemm {

// A register tile's store, for the packed and the unpacked kernels: rows of alpha·acc + beta·C (beta == 0:
// C not read, it may hold NaN), then the epilogue if the tile carries one, in the order ApplyEpilogue uses
// (+ bias, then max(x, 0)), so fused and separate epilogues agree; then the gate and the column sums, as
// sgemm's sweep applies them where a path has no such store. kVecs vectors per row; with kMasked the last
// one is written under `tail` only.
//
// The steps the tiles of training run are fixed at compile time (StoreKind), the rest tested at run time:
// each test left in the unrolled store cost short-k products 10–25% (256×182×8 with bias and ReLU:
// 8.6 µs tested, 7.5 fixed).
enum class StoreKind {
  kGeneral,  // every step as the tile says
  kPlain,    // alpha·acc only (beta 0, no epilogue): weight gradients
  kHidden,   // alpha·acc + bias, ReLU (beta 0): a hidden layer's forward product
  kGated,    // alpha·acc gated, column sums (beta 0, no bias or ReLU): ∂L/∂H into a layer without a skip
};

// Always inlined: out of line, the accumulators would go through memory to be passed by reference.
template <class V, int H, int kVecs, bool kMasked, StoreKind K>
__attribute__((always_inline)) inline void StoreTileAs(const typename V::Reg (&c0)[H], const typename V::Reg (&c1)[H], float* c, int64_t rs_c,
                        const SupTile& tile) {
  using Reg = typename V::Reg;
  constexpr bool kAny = K == StoreKind::kGeneral;
  const bool add_bias = K == StoreKind::kHidden || (kAny && tile.bias);
  const bool relu = K == StoreKind::kHidden || (kAny && tile.relu);
  const bool gate = K == StoreKind::kGated || (kAny && tile.gate);
  const bool sum = K == StoreKind::kGated || (kAny && tile.column_sums);
  const typename V::Mask tail = V::Tail(tile.cols - (kVecs - 1) * V::kLanes);
  const float beta = kAny ? tile.beta : 0.0f;
  const Reg va = V::Set1(tile.alpha), vb = V::Set1(beta), zero = V::Zero();
  auto load = [&](int v, const float* p) __attribute__((always_inline)) {
    return kMasked && v == kVecs - 1 ? V::MaskLoad(tail, p) : V::Load(p);
  };
  Reg bias[kVecs], sums[kVecs];
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v) {
    bias[v] = add_bias ? load(v, tile.bias + v * V::kLanes) : zero;
    sums[v] = sum ? load(v, tile.column_sums + v * V::kLanes) : zero;
  }
#pragma GCC unroll 16
  for (int i = 0; i < H; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) {
      float* ci = c + i * rs_c + v * V::kLanes;
      const Reg acc = v == 0 ? c0[i] : c1[i];
      Reg x = beta == 0.0f ? V::Mul(va, acc) : V::Fmadd(va, acc, V::Mul(vb, load(v, ci)));
      if (add_bias) x = V::Add(x, bias[v]);
      if (relu) x = V::Max(x, zero);
      if (gate) x = V::ZeroUnlessPositive(load(v, tile.gate + i * tile.ldgate + v * V::kLanes), x);
      if (sum) sums[v] = V::Add(sums[v], x);
      if (kMasked && v == kVecs - 1) V::MaskStore(ci, tail, x);
      else V::Store(ci, x);
    }
  }
  if (sum) {
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) {
      float* s = tile.column_sums + v * V::kLanes;
      if (kMasked && v == kVecs - 1) V::MaskStore(s, tail, sums[v]);
      else V::Store(s, sums[v]);
    }
  }
}

template <class V, int H, int kVecs, bool kMasked>
__attribute__((always_inline)) inline void StoreTile(const typename V::Reg (&c0)[H], const typename V::Reg (&c1)[H],
                                                     float* c, int64_t rs_c, const SupTile& tile) {
  constexpr auto kGeneral = StoreKind::kGeneral;
  if (tile.beta == 0.0f) {
    const bool epilogue = tile.bias || tile.relu, backward = tile.gate || tile.column_sums;
    if (!epilogue && !backward) return StoreTileAs<V, H, kVecs, kMasked, StoreKind::kPlain>(c0, c1, c, rs_c, tile);
    if (tile.bias && tile.relu && !backward)
      return StoreTileAs<V, H, kVecs, kMasked, StoreKind::kHidden>(c0, c1, c, rs_c, tile);
    if (!epilogue && tile.gate && tile.column_sums)
      return StoreTileAs<V, H, kVecs, kMasked, StoreKind::kGated>(c0, c1, c, rs_c, tile);
  }
  StoreTileAs<V, H, kVecs, kMasked, kGeneral>(c0, c1, c, rs_c, tile);
}

// The packed kernel (kernels.hpp, MicroKernelFn): a is kc columns of MR floats, b kc rows of 2·lanes floats,
// both aligned.
template <class V, int MR>
void PackedKernelX2(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t rs_c,
                    float alpha, float beta) {
  typename V::Reg c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = V::Zero();
  auto step = [&]() __attribute__((always_inline)) {
    const typename V::Reg b0 = V::LoadAligned(b), b1 = V::LoadAligned(b + V::kLanes);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const typename V::Reg ai = V::Set1(a[i]);
      c0[i] = V::Fmadd(ai, b0, c0[i]);
      c1[i] = V::Fmadd(ai, b1, c1[i]);
    }
    a += MR;
    b += 2 * V::kLanes;
  };
  auto prefetch_c_row = [&](int i) __attribute__((always_inline)) {
    __builtin_prefetch(c + i * rs_c);
    __builtin_prefetch(c + i * rs_c + 2 * V::kLanes - 1);
  };
  // Fetch the C tile during the second half of the k loop, one row every `every` steps, not all at the
  // start: C's rows are ldc apart, so at ldc = 1024 or 2048 floats they all fall in the same two L1 sets
  // and lines fetched at the start are evicted by the streaming A and B lines before the store
  // (measured at n = 2048: ~10% more macro-kernel throughput).
  const int64_t every = kc / (2 * MR);
  if (every == 0) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) prefetch_c_row(i);
  }
  int64_t p = 0;
#pragma GCC unroll 4
  for (; p < kc - every * MR; ++p) step();
  for (int i = 0; i < MR && every > 0; ++i) {
    prefetch_c_row(i);
#pragma GCC unroll 2
    for (int64_t e = 0; e < every; ++e) step();
  }
  StoreTile<V, MR, 2, false>(c0, c1, c, rs_c, SupTile{2 * V::kLanes, alpha, beta});
}

// The unpacked body for H rows and tile.cols columns in kVecs vectors (the last one's C columns under a
// mask when kMasked). kRows: A stored m×k, A(i, p) = a[i·lda + p]; else k×m, a[p·lda + i]. B's last
// vector is loaded masked only where masks live in their own registers (MicroKernel::sup_masked_b);
// elsewhere the caller packs edge panels zero-padded, as AVX2's 16 registers hold 12 accumulators, two
// B vectors and a broadcast but no mask besides.
template <class V, int H, int kVecs, bool kMasked, bool kRows>
inline void SupBodyX2(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b, int64_t ldb,
                      float* c, int64_t rs_c, const SupTile& tile) {
  using Reg = typename V::Reg;
  constexpr bool kMaskB = kMasked && V::kMaskRegisters;
  [[maybe_unused]] typename V::Mask b_tail{};
  if constexpr (kMaskB) b_tail = V::Tail(tile.cols - (kVecs - 1) * V::kLanes);
  const auto load_last = [&](const float* p) __attribute__((always_inline)) {
    if constexpr (kMaskB) return V::MaskLoad(b_tail, p);
    else return V::Load(p);
  };
  Reg c0[H], c1[H];
#pragma GCC unroll 16
  for (int i = 0; i < H; ++i) c0[i] = c1[i] = V::Zero();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    const float* bp = b + p * ldb;
    Reg b0, b1;
    if constexpr (kVecs == 1) {
      b0 = load_last(bp);
    } else {
      b0 = V::Load(bp);
      b1 = load_last(bp + V::kLanes);
    }
#pragma GCC unroll 16
    for (int i = 0; i < H; ++i) {
      const Reg ai = V::Set1(kRows ? a[i * lda + p] : a[p * lda + i]);
      c0[i] = V::Fmadd(ai, b0, c0[i]);
      if constexpr (kVecs == 2) c1[i] = V::Fmadd(ai, b1, c1[i]);
    }
  }
  StoreTile<V, H, kVecs, kMasked>(c0, c1, c, rs_c, tile);
}

// The unpacked kernel (kernels.hpp, SupKernelFn) for small products, where packing costs as much as the
// multiply: A is broadcast straight from the caller's matrix, B rows are loaded from the caller's matrix
// (or a packed micro-panel). A tile of at most one vector's columns runs one vector wide.
template <class V, int H, bool kRows>
void SupKernelX2(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b, int64_t ldb, float* c,
                 int64_t rs_c, const SupTile& tile) {
  constexpr int L = V::kLanes;
  if (tile.cols == 2 * L) SupBodyX2<V, H, 2, false, kRows>(kc, a, lda, b, ldb, c, rs_c, tile);
  else if (tile.cols > L) SupBodyX2<V, H, 2, true, kRows>(kc, a, lda, b, ldb, c, rs_c, tile);
  else if (tile.cols == L) SupBodyX2<V, H, 1, false, kRows>(kc, a, lda, b, ldb, c, rs_c, tile);
  else SupBodyX2<V, H, 1, true, kRows>(kc, a, lda, b, ldb, c, rs_c, tile);
}

// sup_rows / sup_cols tables (kernels.hpp): entry h is the h-row kernel, for h = 1 … sizeof...(H).
template <class V, bool kRows, int... H>
constexpr std::array<SupKernelFn, sizeof...(H) + 1> SupKernelsByHeight(std::integer_sequence<int, H...>) {
  return {nullptr, &SupKernelX2<V, H + 1, kRows>...};
}

}  // namespace mlpe::gemm
