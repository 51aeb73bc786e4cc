#include "gemm/macro_kernel.hpp"

#include <algorithm>

#include "gemm/epilogue.hpp"
#include "hw/cpu.hpp"

namespace mlpe::gemm {

#if defined(__x86_64__) || defined(_M_X64)
static const bool kAvx512Tiles = hw::Cpu().UsableAvx512();  // tile_avx512.cpp
static const bool kAvx2Tiles = hw::Cpu().UsableAvx2();      // tile_avx2.cpp
#else
constexpr bool kAvx512Tiles = false, kAvx2Tiles = false;
void ApplyEpilogueAvx512(float*, int64_t, int, int, const float*, bool) {}
void MergeEdgeAvx512(const float*, int, float*, int64_t, int, int, float) {}
void ApplyEpilogueAvx2(float*, int64_t, int, int, const float*, bool) {}
void MergeEdgeAvx2(const float*, int, float*, int64_t, int, int, float) {}
#endif

void ApplyEpilogue(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu) {
  if (kAvx512Tiles) return ApplyEpilogueAvx512(c, ldc, rows, cols, bias, relu);
  if (kAvx2Tiles) return ApplyEpilogueAvx2(c, ldc, rows, cols, bias, relu);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) c[i * ldc + j] = BiasRelu(c[i * ldc + j], bias, j, relu);
}

void MergeEdge(const float* edge, int nr, float* c, int64_t ldc, int rows, int cols, float beta) {
  if (kAvx512Tiles) return MergeEdgeAvx512(edge, nr, c, ldc, rows, cols, beta);
  if (kAvx2Tiles) return MergeEdgeAvx2(edge, nr, c, ldc, rows, cols, beta);
  for (int r = 0; r < rows; ++r)
    for (int s = 0; s < cols; ++s) {
      float& cij = c[r * ldc + s];
      cij = beta == 0.0f ? edge[r * nr + s] : edge[r * nr + s] + beta * cij;  // beta == 0: C not read
    }
}

// Column ways for a shared B panel unless rows split it clearly better: with row ways every thread reads
// every micro-panel of B, (team − 1)/team of them packed into another core's cache, and the next pack has
// to take those lines back (a cache line crossing cores costs ~0.3 µs on the dev VM). So a split with row
// ways counts its share × 5/4. Measured on 2 threads, row → column split:
//  - ties, ratio vs OpenBLAS: 256×1024×1024 1.02–1.07 → 1.21–1.27, 256×2048×2048 0.92–0.96 → 1.12–1.13,
//    256×512×784 0.99–1.01 → 1.09–1.13;
//  - an odd count of column panels, where rows won by a sliver (256×800×512: 275 vs 286 micro-tiles per
//    thread): 300 → 350 GF/s (B packed in 113–127 µs per thread instead of 26–36), 256×784×512 NT 300 →
//    367, 256×1184×512 305 → 346, 784×800×256 TN 321–333 → 350–368; 1024×800×1024 (two A blocks per
//    thread, packed twice over) 346 → 333–343.
void SplitTeam(int team, int64_t m_iter, int64_t n_iter, bool shared_b, int* ic_ways, int* jr_ways) {
  int64_t best = -1;
  for (int i = 0; i < team; ++i) {
    const int ic = shared_b ? i + 1 : team - i;  // the preferred split first: it keeps ties
    if (team % ic) continue;
    const int jr = team / ic;
    const int64_t share = ((m_iter + ic - 1) / ic) * ((n_iter + jr - 1) / jr);
    const int64_t cost = share * (shared_b && ic > 1 ? 5 : 4);
    if (best < 0 || cost < best) best = cost, *ic_ways = ic, *jr_ways = jr;
  }
}

void MacroKernel(const MicroKernel& ukr, const MacroBlock& blk) {
  const int mr = ukr.mr, nr = ukr.nr;
  alignas(64) float edge[kMaxTile];
  // 2nd loop (jr): one kc×nr micro-panel of B, kept in L1 across the ir loop.
  for (int64_t jp = blk.jp_begin; jp < blk.jp_end; ++jp) {
    const int64_t j = jp * nr;
    const int n_tile = static_cast<int>(std::min<int64_t>(nr, blk.n_cur - j));
    const float* b = blk.b_packed + jp * nr * blk.k_cur;
    // 1st loop (ir): kc×mr micro-panels of A stream from L2 past it.
    for (int64_t i = 0; i < blk.m_cur; i += mr) {
      const int m_tile = static_cast<int>(std::min<int64_t>(mr, blk.m_cur - i));
      const float* a = blk.a_packed + i * blk.k_cur;
      float* c = blk.c + i * blk.ldc + j;
      if (m_tile == mr && n_tile == nr) {
        ukr.fn(blk.k_cur, a, b, c, blk.ldc, blk.alpha, blk.beta);
      } else if (ukr.sup_cols) {
        // Edge tile on the unpacked kernel of its height (a packed micro-panel is A stored k×mr, lda = mr):
        // masked columns and the epilogue in registers, and a panel at most one vector wide costs one
        // vector per row and k step instead of the whole micro-tile (256×354×865: 8% of the product went
        // to the 2 columns of its last panel).
        SupTile tile{n_tile, blk.alpha, blk.beta, blk.bias ? blk.bias + j : nullptr, blk.relu};
        ukr.sup_cols[m_tile](blk.k_cur, a, mr, b, nr, c, blk.ldc, tile);
        continue;
      } else {
        // Edge tile: full tile into scratch (zero padding makes it exact), then merge the valid part.
        ukr.fn(blk.k_cur, a, b, edge, nr, blk.alpha, 0.0f);
        MergeEdge(edge, nr, c, blk.ldc, m_tile, n_tile, blk.beta);
      }
      if (blk.bias || blk.relu) ApplyEpilogue(c, blk.ldc, m_tile, n_tile, blk.bias ? blk.bias + j : nullptr, blk.relu);
    }
  }
}

}  // namespace mlpe::gemm
