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
thread_local PackBuffer thin_b;  // the thin columns of a k×n B as rows contiguous along k

}  // namespace

// How many of C's last columns the thin kernels take (thin_x.hpp): the w = n mod lanes that overhang the
// last whole vector, when w ≤ lanes/4 and the thin way is cheaper. The register tiles spend ~0.75 cycle
// per row and k step on them whatever w is. axpy (A stored k×m) spends about as much per vector of rows
// and column, so it pays from a vector of rows up; dot (A stored m×k) spends per row and column half a
// cycle per k vector plus ~6 for the horizontal sum, so it pays only past a k of a few vectors; it is
// taken when under 80% of the tiles' cost (measured on Zen 5: 256×34×81 pays, 256×2×6 does not).
int ThinColumns(const Args& g, const MicroKernel& ukr, int64_t rows) {
  const int lanes = ukr.nr / 2;
  const int w = static_cast<int>(g.n % lanes);
  if (!ukr.thin_dot || !ukr.thin_axpy || w == 0 || w > lanes / 4) return 0;
  if (g.trans_a) return rows >= lanes ? w : 0;
  const double k_vectors = static_cast<double>((g.k + lanes - 1) / lanes);
  return w * (k_vectors / 2 + 6) < 0.6 * static_cast<double>(g.k) ? w : 0;
}

void ThinTiles(const Args& g, const MicroKernel& ukr, int64_t row_begin, int64_t row_end, int64_t j, int w) {
  SupTile tile{w, g.alpha, g.beta, g.epilogue.bias ? g.epilogue.bias + j : nullptr, g.epilogue.relu};
  float* c = g.c + row_begin * g.ldc + j;
  const int64_t m = row_end - row_begin;
  if (g.trans_a) {
    const int64_t b_rs = g.trans_b ? 1 : g.ldb, b_cs = g.trans_b ? g.ldb : 1;
    const float* b = g.trans_b ? g.b + j * g.ldb : g.b + j;
    return ukr.thin_axpy(m, g.k, g.a + row_begin, g.lda, b, b_rs, b_cs, c, g.ldc, tile);
  }
  const float* bt = g.b + j * g.ldb;  // transposed B: column j is row j
  int64_t ldbt = g.ldb;
  if (!g.trans_b) {
    float* packed = thin_b.Reserve(static_cast<size_t>(w * g.k));
    for (int jj = 0; jj < w; ++jj)
      for (int64_t p = 0; p < g.k; ++p) packed[jj * g.k + p] = g.b[p * g.ldb + j + jj];
    bt = packed, ldbt = g.k;
  }
  ukr.thin_dot(m, g.k, g.a + row_begin * g.lda, g.lda, bt, ldbt, c, g.ldc, tile);
}

namespace {

// `count` rows in the fewest tiles of at most `most`, their heights differing by at most one: the first
// count % tiles tiles are one row taller.
struct BalancedTiles {
  BalancedTiles(int64_t count, int64_t most) : tiles((count + most - 1) / most), base(count / tiles), taller(count % tiles) {}
  int64_t Height(int64_t tile) const { return base + (tile < taller ? 1 : 0); }
  int64_t tiles, base, taller;
};

// Rows [row_begin, row_end) × micro-panel columns [j_begin, j_end) of C on one thread. Edge tiles take
// the kernel of their height with masked columns, so A is never packed; a few columns past C's last whole
// vector go to the thin kernels.
void SupTiles(const Args& g, const Tiling& t, const MicroKernel& ukr, int64_t row_begin, int64_t row_end,
              int64_t j_begin, int64_t j_end) {
  const int thin = j_end == g.n ? ThinColumns(g, ukr, row_end - row_begin) : 0;
  if (thin) {
    j_end -= thin;
    ThinTiles(g, ukr, row_begin, row_end, j_end, thin);
  }
  const int mr = t.mr, nr = t.nr;
  const BalancedTiles row_tiles(row_end - row_begin, mr);
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
      SupTile tile{static_cast<int>(std::min<int64_t>(nr, j_end - j)), g.alpha, beta};
      if (last) tile.bias = g.epilogue.bias ? g.epilogue.bias + j : nullptr, tile.relu = g.epilogue.relu;
      const float* b = g.b + pc * g.ldb + j;
      int64_t ldb = g.ldb;
      if (g.trans_b || (tile.cols < nr && !ukr.sup_masked_b)) {
        PackB(g, pc, j, k_cur, tile.cols, nr, 0, 1, b_panel, t.isa);
        b = b_panel, ldb = nr;
      }
      if (last && g.epilogue.column_sums) {  // each tile adds its rows to the sums of the tiles above it
        tile.column_sums = g.epilogue.column_sums + j;
        std::fill(tile.column_sums, tile.column_sums + tile.cols, 0.0f);
      }
      // ir loop: A read in place, in tiles of balanced height (13 rows as 7 + 6, not 12 + 1): a tile of
      // 1–3 rows has too few accumulators to hide the FMA latency and costs about as much as a full one.
      for (int64_t t_i = 0, i = row_begin; i < row_end; ++t_i) {
        const int rows = static_cast<int>(row_tiles.Height(t_i));
        const float* a = g.trans_a ? g.a + pc * g.lda + i : g.a + i * g.lda + pc;
        if (last && g.epilogue.gate) {
          tile.gate = g.epilogue.gate + i * g.epilogue.ldgate + j;
          tile.ldgate = g.epilogue.ldgate;
        }
        kernels[rows](k_cur, a, g.lda, b, ldb, g.c + i * g.ldc + j, g.ldc, tile);
        i += rows;
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

// The gate and the column sums go in the tiles' store when one thread runs every row (each column's sum then
// adds its rows in order) and no column is left to the thin kernels; else sgemm sweeps them after.
bool SupFuses(const Args& g, const MicroKernel& ukr, int team) { return team == 1 && ThinColumns(g, ukr, g.m) == 0; }

bool SupGemm(const Args& args, const Tiling& t, const MicroKernel& ukr, int team) {
  const bool gated = args.epilogue.gate || args.epilogue.column_sums;
  const bool fused = gated && SupFuses(args, ukr, team);
  Args g = args;
  if (gated && !fused) g.epilogue.gate = nullptr, g.epilogue.column_sums = nullptr;
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
  return fused;
}

}  // namespace mlpe::gemm
