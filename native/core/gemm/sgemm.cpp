// The blocked SGEMM driver: BLIS's 5th (jc, n by nc), 4th (pc, k by kc) and 3rd (ic, m by mc) loops,
// packing, and the split of work over a team of the persistent thread pool. Threads share each packed
// kc×nc panel of B (packed cooperatively, held in the shared L3) and each packs its own mc×kc block of A
// into its private L2, which is BLIS's advice for private L2 + shared L3 (parallel ic); when m is too
// short for every thread to get rows, the jr loop is split as well.
#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"
#include "common/thread_pool.hpp"
#include "gemm/epilogue.hpp"
#include "gemm/gemm.hpp"
#include "gemm/gemv.hpp"
#include "gemm/kernels.hpp"
#include "gemm/macro_kernel.hpp"
#include "gemm/pack.hpp"
#include "gemm/pack_buffer.hpp"
#include "gemm/sup.hpp"
#include "gemm/transposed_c.hpp"

namespace mlpe::gemm {

namespace {

// Below this much work per thread (~5 µs of FMAs on one core), handing a share to another thread costs
// more than it saves. Measured on 2 cores with the pool's workers spinning between calls: 256×64×64
// 211 → 312 GF/s and 96×96×256 TN 217 → 372 with a second thread, 256×48×64 (1.6 MFLOP) no gain.
constexpr double kMinFlopsPerThread = 1e6;

[[noreturn]] void Bad(const std::string& message, ErrorKind kind = ErrorKind::Range) {
  throw Error("INVALID_OPTION", message, kind);
}

void ValidateArgs(const Args& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0)
    Bad("m, n and k must be ≥ 0 (got m=" + std::to_string(g.m) + ", n=" + std::to_string(g.n) +
        ", k=" + std::to_string(g.k) + ")");
  if (!std::isfinite(g.alpha) || !std::isfinite(g.beta)) Bad("alpha and beta must be finite numbers");
  // Stored shapes: A is m×k (k×m when trans_a), B is k×n (n×k when trans_b); ld = row stride ≥ columns.
  const int64_t a_cols = g.trans_a ? g.m : g.k, b_cols = g.trans_b ? g.k : g.n;
  // BLAS asks ld ≥ max(1, columns); we accept any ld ≥ columns so empty matrices need no special case.
  if (g.lda < a_cols)
    Bad("lda=" + std::to_string(g.lda) + " must be ≥ " + std::to_string(a_cols) + " (the row length of the stored A" +
        (g.trans_a ? ", k×m since transA" : ", m×k") + ")");
  if (g.ldb < b_cols)
    Bad("ldb=" + std::to_string(g.ldb) + " must be ≥ " + std::to_string(b_cols) + " (the row length of the stored B" +
        (g.trans_b ? ", n×k since transB" : ", k×n") + ")");
  if (g.ldc < g.n) Bad("ldc=" + std::to_string(g.ldc) + " must be ≥ n=" + std::to_string(g.n));
  if (g.epilogue.gate && g.epilogue.ldgate < g.n)
    Bad("epilogue.ldgate=" + std::to_string(g.epilogue.ldgate) + " must be ≥ n=" + std::to_string(g.n) +
        " (the row length of the gate)");
  const bool product = g.m > 0 && g.n > 0 && g.k > 0;
  if (product && (!g.a || !g.b)) Bad("a and b must not be null when m, n, k > 0", ErrorKind::Type);
  if (g.m > 0 && g.n > 0 && !g.c) Bad("c must not be null when m, n > 0", ErrorKind::Type);
}

// Threads for a product: one per kMinFlopsPerThread of work, at most the tiling's.
int TeamFor(const Args& g, const Tiling& t) {
  const double flops = 2.0 * g.m * g.n * g.k;
  return static_cast<int>(std::clamp<double>(std::floor(flops / kMinFlopsPerThread), 1, t.threads));
}

Args WithoutGate(Args g) {
  g.epilogue.gate = nullptr, g.epilogue.column_sums = nullptr;
  return g;
}

// The epilogue's gate and column sums over the finished C, for the paths whose store does not apply them.
void GateAndColumnSums(const Args& g) {
  const Epilogue& e = g.epilogue;
  if (e.column_sums) std::fill(e.column_sums, e.column_sums + g.n, 0.0f);
  if (!e.gate && !e.column_sums) return;
  for (int64_t i = 0; i < g.m; ++i) {
    float* ci = g.c + i * g.ldc;
    for (int64_t j = 0; j < g.n; ++j) {
      if (e.gate && !(e.gate[i * e.ldgate + j] > 0.0f)) ci[j] = 0.0f;
      if (e.column_sums) e.column_sums[j] += ci[j];
    }
  }
}

// C := beta·C (beta == 0: C := 0 without reading it), then the epilogue: the whole product when k == 0
// or alpha == 0.
void ScaleOnly(const Args& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    float* ci = g.c + i * g.ldc;
    for (int64_t j = 0; j < g.n; ++j) {
      ci[j] = BiasRelu(g.beta == 0.0f ? 0.0f : g.beta * ci[j], g.epilogue.bias, j, g.epilogue.relu);
    }
  }
  GateAndColumnSums(g);
}

thread_local PackBuffer a_buffer;  // each thread's private mc×kc block of A
thread_local PackBuffer b_buffer;  // the caller's kc×nc panel of B, shared by its team

// The product of validated arguments with m, n, k > 0 and alpha != 0, on the unpacked path or the five
// loops; returns whether the epilogue's gate and column sums were applied (see SupGemm).
bool Product(const Args& args, const Tiling& t, const MicroKernel& ukr) {
  const int team = TeamFor(args, t);
  const int mr = t.mr, nr = t.nr;
  if (SupApplies(args, t, ukr)) return SupGemm(args, t, ukr, team);
  const Args g = WithoutGate(args);
  // A few columns past C's last whole vector go to the thin kernels (sup.hpp), here as on the unpacked
  // path: the packed panels then end on a whole vector (256×354×865: 2 columns cost 8% of the product).
  const int thin = t.sup ? ThinColumns(g, ukr, (g.m + team - 1) / team) : 0;
  const int64_t n = g.n - thin;  // the columns the five loops compute
  // k in the fewest rank-kc updates, of equal depth (as OpenBLAS cuts its last two): 784 = 392 + 392 rather
  // than 512 + 272, whose short pass pays the same packing hand-off and barriers for half the work (2 threads,
  // 256×512×784: 336–344 → 372–378 GF/s; 1 thread unchanged).
  const int64_t kc_passes = (g.k + t.kc - 1) / t.kc;
  const int64_t mc = t.mc, kc = (g.k + kc_passes - 1) / kc_passes, nc = std::min<int64_t>(t.nc, (n + nr - 1) / nr * nr);
  const int64_t m_iter = (g.m + mr - 1) / mr;
  int ic_ways = 1, jr_ways = 1;
  SplitTeam(team, m_iter, (std::min<int64_t>(nc, n) + nr - 1) / nr, /*shared_b=*/true, &ic_ways, &jr_ways);

  float* b_packed = b_buffer.Reserve(static_cast<size_t>(kc * nc));
  TeamBarrier barrier(team);

  ThreadPool::Shared().Run(team, [&](int tid, int size) {
    // The pool may give fewer threads than asked (nested or concurrent use): re-split for `size`.
    int ic_w = ic_ways, jr_w = jr_ways;
    if (size != team) ic_w = size, jr_w = 1;
    TeamBarrier* sync = size == team ? &barrier : nullptr;
    const int ti = tid / jr_w, tj = tid % jr_w;
    const int64_t row_begin = std::min(g.m, m_iter * ti / ic_w * mr);
    const int64_t row_end = std::min(g.m, m_iter * (ti + 1) / ic_w * mr);
    float* a_packed = a_buffer.Reserve(static_cast<size_t>(std::min<int64_t>(mc, (g.m + mr - 1) / mr * mr) * kc));

    // 5th loop (jc): kc×nc panels of B, sized for L3.
    for (int64_t jc = 0; jc < n; jc += nc) {
      const int64_t n_cur = std::min(nc, n - jc);
      const int64_t n_panels = (n_cur + nr - 1) / nr;
      // 4th loop (pc): rank-kc updates. Invariant: beta is applied on the first kc block only, the
      // epilogue (bias, ReLU) on the last one.
      for (int64_t pc = 0; pc < g.k; pc += kc) {
        const int64_t k_cur = std::min(kc, g.k - pc);
        const bool first = pc == 0, last = pc + k_cur == g.k;
        if (sync && !(jc == 0 && first)) sync->Wait();  // everyone is done reading the previous panel
        PackB(g, pc, jc, k_cur, n_cur, nr, n_panels * tid / size, n_panels * (tid + 1) / size, b_packed, t.isa);
        if (sync) sync->Wait();  // the whole panel is packed
        const int64_t jp_begin = n_panels * tj / jr_w, jp_end = n_panels * (tj + 1) / jr_w;
        // 3rd loop (ic): this thread's rows, mc at a time, each block of A packed into private L2.
        for (int64_t ic = row_begin; ic < row_end; ic += mc) {
          const int64_t m_cur = std::min(mc, row_end - ic);
          PackA(g, ic, pc, m_cur, k_cur, mr, a_packed, t.isa);
          MacroBlock blk{a_packed, b_packed, m_cur, n_cur, k_cur, jp_begin, jp_end,
                         g.c + ic * g.ldc + jc, g.ldc, g.alpha, first ? g.beta : 1.0f,
                         last && g.epilogue.bias ? g.epilogue.bias + jc : nullptr, last && g.epilogue.relu};
          MacroKernel(ukr, blk);
        }
      }
    }
    // The thin columns of this thread's rows, by the thread that holds the last column panels.
    if (thin && tj == jr_w - 1 && row_begin < row_end) ThinTiles(g, ukr, row_begin, row_end, n, thin);
  });
  return false;
}

void ProductOnly(const Args& args, const Tiling& t) { Product(WithoutGate(args), t, *FindMicroKernel(t.isa, t.mr, t.nr)); }

}  // namespace

void sgemm(const Args& g, const Tiling& t) {
  ValidateArgs(g);
  Validate(t);
  if (g.n == 0) return;
  if (g.m == 0) return GateAndColumnSums(g);  // the sums of no rows
  if (g.k == 0 || g.alpha == 0.0f) return ScaleOnly(g);
  if (GemvApplies(g, t)) {
    Gemv(WithoutGate(g), t);
    return GateAndColumnSums(g);
  }
  const MicroKernel& ukr = *FindMicroKernel(t.isa, t.mr, t.nr);  // Validate checked the tiling has one
  if (TransposedPays(g, t, ukr)) {
    TransposedProduct(WithoutGate(g), t, ProductOnly);
    return GateAndColumnSums(g);
  }
  if (!Product(g, t, ukr)) GateAndColumnSums(g);
}

bool GateFusesInStore(const Args& g, const Tiling& t) {
  if (g.m <= 0 || g.n <= 0 || g.k <= 0 || g.alpha == 0.0f || GemvApplies(g, t)) return false;
  const MicroKernel* ukr = FindMicroKernel(t.isa, t.mr, t.nr);  // none: sgemm would refuse the tiling
  return ukr && !TransposedPays(g, t, *ukr) && SupApplies(g, t, *ukr) && SupFuses(g, *ukr, TeamFor(g, t));
}

void sgemm(const Args& args) {
  static const Tiling tiling = DefaultTiling();
  sgemm(args, tiling);
}

}  // namespace mlpe::gemm
