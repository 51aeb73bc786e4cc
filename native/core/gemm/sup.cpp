#include "gemm/sup.hpp"

#include <algorithm>

#include "common/thread_pool.hpp"
#include "gemm/macro_kernel.hpp"
#include "gemm/pack.hpp"
#include "gemm/pack_buffer.hpp"

namespace mlpe::gemm {

namespace {
// Up to this m·n·k the unpacked path is as fast or faster than packing (measured on Zen 5 with the
// BUTTER shapes: 256·512·512 ties or wins, 256·1024·1024 loses ~5%), as long as the m×kc slice of A
// that every jr step re-reads in place stays within L2 (m ≤ 1024 at kc = 256).
constexpr double kSupMaxVolume = 256.0 * 512 * 512;
constexpr int64_t kSupMaxM = 1024;
thread_local PackBuffer sup_b;  // a packed micro-panel of B (transposed B, or an edge without masked loads)

// Rows [row_begin, row_end) × micro-panel columns [j_begin, j_end) of C on one thread. Edge tiles take
// the kernel of their height with masked columns, so A is never packed.
void SupTiles(const Args& g, const Tiling& t, const MicroKernel& ukr, int64_t row_begin, int64_t row_end,
              int64_t j_begin, int64_t j_end) {
  const int mr = t.mr, nr = t.nr;
  const int64_t kc = std::min<int64_t>(t.kc, g.k);
  float* b_panel = sup_b.Reserve(static_cast<size_t>(nr * kc));
  const SupKernelFn* kernels = g.trans_a ? ukr.sup_cols : ukr.sup_rows;
  // pc loop. Invariant: beta on the first kc block only, the epilogue on the last.
  for (int64_t pc = 0; pc < g.k; pc += kc) {
    const int64_t k_cur = std::min(kc, g.k - pc);
    const float beta = pc == 0 ? g.beta : 1.0f;
    const bool last = pc + k_cur == g.k;
    // jr loop: B rows in place when B is k×n (edge panels too if the kernel masks B), else one packed
    // micro-panel.
    for (int64_t j = j_begin; j < j_end; j += nr) {
      SupTile tile{static_cast<int>(std::min<int64_t>(nr, g.n - j)), g.alpha, beta};
      if (last) tile.bias = g.epilogue.bias ? g.epilogue.bias + j : nullptr, tile.relu = g.epilogue.relu;
      const float* b = g.b + pc * g.ldb + j;
      int64_t ldb = g.ldb;
      if (g.trans_b || (tile.cols < nr && !ukr.sup_masked_b)) {
        PackB(g, pc, j, k_cur, tile.cols, nr, 0, 1, b_panel, t.isa);
        b = b_panel, ldb = nr;
      }
      // ir loop: A read in place.
      for (int64_t i = row_begin; i < row_end; i += mr) {
        const int rows = static_cast<int>(std::min<int64_t>(mr, row_end - i));
        const float* a = g.trans_a ? g.a + pc * g.lda + i : g.a + i * g.lda + pc;
        kernels[rows](k_cur, a, g.lda, b, ldb, g.c + i * g.ldc + j, g.ldc, tile);
      }
    }
  }
}

}  // namespace

bool SupApplies(const Args& g, const Tiling& t, const MicroKernel& ukr) {
  if (!t.sup || !ukr.sup_rows || !ukr.sup_cols) return false;
  // A C one vector wide (the 10-unit output layers, exponential tails) has a single jr step, so A is read
  // once whatever m is, and packing would compute nr columns for the few real ones.
  if (g.n <= ukr.nr / 2) return true;
  return g.m <= kSupMaxM && double(g.m) * g.n * g.k <= kSupMaxVolume;
}

void SupGemm(const Args& g, const Tiling& t, const MicroKernel& ukr, int team) {
  const int64_t m_iter = (g.m + t.mr - 1) / t.mr, n_iter = (g.n + t.nr - 1) / t.nr;
  int ic_ways = 1, jr_ways = 1;
  SplitTeam(team, m_iter, n_iter, /*shared_b=*/false, &ic_ways, &jr_ways);
  ThreadPool::Shared().Run(team, [&](int tid, int size) {
    int ic_w = ic_ways, jr_w = jr_ways;
    if (size != team) ic_w = size, jr_w = 1;  // the pool gave fewer threads (nested or concurrent use)
    const int ti = tid / jr_w, tj = tid % jr_w;
    const int64_t row_begin = std::min(g.m, m_iter * ti / ic_w * t.mr);
    const int64_t row_end = std::min(g.m, m_iter * (ti + 1) / ic_w * t.mr);
    const int64_t j_begin = std::min(g.n, n_iter * tj / jr_w * t.nr);
    const int64_t j_end = std::min(g.n, n_iter * (tj + 1) / jr_w * t.nr);
    if (row_begin < row_end && j_begin < j_end) SupTiles(g, t, ukr, row_begin, row_end, j_begin, j_end);
  });
}

}  // namespace mlpe::gemm
