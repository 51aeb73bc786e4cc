#include "gemm/macro_kernel.hpp"

#include <algorithm>

namespace mlpe::gemm {

namespace {

constexpr int kMaxTile = 16 * 64;  // the largest mr·nr any kernel offers, with room to spare

// Fused epilogue on a finished tile, while it is still in L1: C += bias (per column), then ReLU.
void ApplyEpilogue(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu) {
  for (int i = 0; i < rows; ++i) {
    float* ci = c + i * ldc;
    if (bias)
      for (int j = 0; j < cols; ++j) ci[j] += bias[j];
    if (relu)
      for (int j = 0; j < cols; ++j) ci[j] = ci[j] > 0.0f ? ci[j] : 0.0f;
  }
}

}  // namespace

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
      } else {
        // Edge tile: full tile into scratch (zero padding makes it exact), then merge the valid part.
        ukr.fn(blk.k_cur, a, b, edge, nr, blk.alpha, 0.0f);
        for (int r = 0; r < m_tile; ++r)
          for (int s = 0; s < n_tile; ++s) {
            float& cij = c[r * blk.ldc + s];
            cij = blk.beta == 0.0f ? edge[r * nr + s] : edge[r * nr + s] + blk.beta * cij;  // beta 0: no read
          }
      }
      if (blk.bias || blk.relu) ApplyEpilogue(c, blk.ldc, m_tile, n_tile, blk.bias ? blk.bias + j : nullptr, blk.relu);
    }
  }
}

}  // namespace mlpe::gemm
