// sgemm against a naive float64 reference: random shapes (1, primes, 300+), every transpose pair,
// alpha/beta (beta = 0 with NaN in C), leading dimensions, the fused epilogue, several tilings per
// available ISA, threads 1–3; then the errors bad arguments and tilings must raise; and that calls
// after the first allocate nothing (the training step calls sgemm several times per batch).
//
// Residual bound. Each C entry is a float32 sum of k products accumulated in some order (blocked by kc,
// FMA or not), then scaled by alpha and added to beta·C. The standard bound for a recursive sum of k
// terms (Higham, Accuracy and Stability, §3.1) gives |fl(Σ a·b) − Σ a·b| ≤ γ_k Σ|a||b|, γ_k = k·u/(1−k·u),
// u = 2⁻²⁴. The alpha scaling, the beta term, the final add and the bias add cost four more roundings,
// so we accept |C − C_ref| ≤ γ_{k+4} · (|alpha|·Σ_p |a_ip||b_pj| + |beta|·|c_ij| + |bias_j|), with
// C_ref computed in float64 from the same float32 inputs. A lost or doubled kc block, a wrong edge or
// a misplaced beta changes entries by O(Σ|a||b| / (k/kc)), far above the bound.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "gemm/gemm.hpp"
#include "gemm/kernels.hpp"
#include "gemm/macro_kernel.hpp"
#include "gemm/sup.hpp"
#include "gemm/transposed_c.hpp"
#include "gemm/tiling.hpp"
#include "count_allocations.hpp"
#include "expect.hpp"

using namespace mlpe::gemm;


namespace {

using mlpe::test::checks;
using mlpe::test::failures;
std::mt19937 rng(12345);


std::vector<float> Random(size_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Case {
  bool ta, tb;
  int64_t m, n, k;
  float alpha, beta;
  int64_t pad = 0;  // extra columns in every leading dimension
  bool bias = false, relu = false;
  bool gate = false, sums = false;  // the backward epilogue: C ⊙ [gate > 0], then C's column sums
};

std::string Describe(const Case& c, const Tiling& t) {
  char s[256];
  std::snprintf(s, sizeof s, "%s%s m=%lld n=%lld k=%lld alpha=%g beta=%g pad=%lld bias=%d relu=%d gate=%d sums=%d | %s %dx%d mc=%d kc=%d nc=%d threads=%d sup=%d",
                c.ta ? "T" : "N", c.tb ? "T" : "N", (long long)c.m, (long long)c.n, (long long)c.k, c.alpha, c.beta,
                (long long)c.pad, c.bias, c.relu, c.gate, c.sums, IsaName(t.isa), t.mr, t.nr, t.mc, t.kc, t.nc, t.threads,
                t.sup);
  return s;
}

void Run(const Case& c, const Tiling& t) {
  const int64_t a_rows = c.ta ? c.k : c.m, a_cols = c.ta ? c.m : c.k;
  const int64_t b_rows = c.tb ? c.n : c.k, b_cols = c.tb ? c.k : c.n;
  const int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = c.n + c.pad;
  std::vector<float> a = Random(a_rows * lda + 1), b = Random(b_rows * ldb + 1), cc = Random(c.m * ldc + 1);
  std::vector<float> bias = Random(c.n + 1);
  // The gate: a ReLU output (positive, +0 and −0 where the ReLU cut, NaN once), padded like C.
  std::vector<float> gate = Random(c.m * ldc + 1);
  for (size_t i = 0; i < gate.size(); ++i) gate[i] = i % 3 == 0 ? (i % 2 ? 0.0f : -0.0f) : std::fabs(gate[i]);
  if (gate.size() > 5) gate[5] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> sums(c.n + 1, std::numeric_limits<float>::quiet_NaN());  // written, never read
  // beta == 0 must not read C: fill it with NaN so any read poisons the result.
  if (c.beta == 0.0f) std::fill(cc.begin(), cc.end(), std::numeric_limits<float>::quiet_NaN());
  const std::vector<float> c0 = cc;
  Args args;
  args.trans_a = c.ta, args.trans_b = c.tb, args.m = c.m, args.n = c.n, args.k = c.k;
  args.alpha = c.alpha, args.beta = c.beta;
  args.a = a.data(), args.lda = lda, args.b = b.data(), args.ldb = ldb, args.c = cc.data(), args.ldc = ldc;
  if (c.bias) args.epilogue.bias = bias.data();
  args.epilogue.relu = c.relu;
  if (c.gate) args.epilogue.gate = gate.data(), args.epilogue.ldgate = ldc;
  if (c.sums) args.epilogue.column_sums = sums.data();
  sgemm(args, t);

  const double u = std::ldexp(1.0, -24), gamma = (c.k + 4) * u / (1 - (c.k + 4) * u);
  double worst = 0, worst_sum = 0;
  bool gated = true;
  std::vector<double> sum_ref(c.n, 0.0), sum_bound(c.n, 0.0);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double sum = 0, mag = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        const double av = c.ta ? a[p * lda + i] : a[i * lda + p];
        const double bv = c.tb ? b[j * ldb + p] : b[p * ldb + j];
        sum += av * bv;
        mag += std::fabs(av * bv);
      }
      const double cold = c.beta == 0.0f ? 0.0 : c0[i * ldc + j];
      double ref = c.alpha * sum + c.beta * cold + (c.bias ? bias[j] : 0.0);
      if (c.relu) ref = std::max(ref, 0.0);
      const double bound =
          gamma * (std::fabs(c.alpha) * mag + std::fabs(c.beta * cold) + (c.bias ? std::fabs(bias[j]) : 0.0)) + 1e-30;
      const double got = cc[i * ldc + j];
      if (c.gate && !(gate[i * ldc + j] > 0.0f)) {
        gated &= got == 0.0;
        continue;
      }
      const double ratio = std::isfinite(got) ? std::fabs(got - ref) / bound : INFINITY;
      worst = std::max(worst, ratio);
      sum_ref[j] += ref;
      sum_bound[j] += bound + (c.m + 1) * u * std::fabs(ref);  // each element's error, then the m adds
    }
  if (c.sums)
    for (int64_t j = 0; j < c.n; ++j)
      worst_sum = std::max(worst_sum, std::isfinite(sums[j]) ? std::fabs(sums[j] - sum_ref[j]) / (sum_bound[j] + 1e-30) : INFINITY);
  EXPECT(gated, "%s: a gated-out element is not 0", Describe(c, t).c_str());
  EXPECT(worst_sum <= 1.0, "%s: column sums error/bound = %g", Describe(c, t).c_str(), worst_sum);
  // Padding columns of C beyond n must be untouched.
  bool pad_ok = true;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = c.n; j < ldc; ++j)
      pad_ok &= (std::isnan(c0[i * ldc + j]) && std::isnan(cc[i * ldc + j])) || c0[i * ldc + j] == cc[i * ldc + j];
  EXPECT(worst <= 1.0, "%s: error/bound = %g", Describe(c, t).c_str(), worst);
  EXPECT(pad_ok, "%s: wrote outside the m×n part of C", Describe(c, t).c_str());
}

std::vector<Tiling> TilingsFor(Isa isa) {
  std::vector<Tiling> list;
  const Tiling d = DefaultTiling(isa, 1);
  list.push_back(d);
  // Tiny blocks: every loop runs many iterations and most tiles are edges.
  Tiling tiny = d;
  tiny.mc = d.mr, tiny.kc = 7, tiny.nc = d.nr;
  list.push_back(tiny);
  Tiling mid = d;
  mid.mc = 3 * d.mr, mid.kc = 64, mid.nc = 2 * d.nr, mid.threads = 2;
  list.push_back(mid);
  Tiling threads3 = d;
  threads3.threads = 3;
  list.push_back(threads3);
  // The same with the unpacked small-product path off, so the packed five loops run on every shape.
  for (size_t i = 0, n = list.size(); i < n; ++i) {
    Tiling packed = list[i];
    packed.sup = false;
    list.push_back(packed);
  }
  return list;
}

void Correctness() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::Reference, Isa::Avx2, Isa::Avx512})
    if (IsaAvailable(isa)) isas.push_back(isa);
  const int64_t dims[] = {1, 2, 7, 13, 31, 64, 97};
  std::uniform_int_distribution<int> pick(0, 6);
  for (Isa isa : isas) {
    for (const Tiling& t : TilingsFor(isa)) {
      // Every transpose pair with small random shapes and varied alpha/beta.
      for (int tt = 0; tt < 4; ++tt)
        for (int rep = 0; rep < 4; ++rep) {
          Case c{bool(tt & 1), bool(tt & 2), dims[pick(rng)], dims[pick(rng)], dims[pick(rng)], 1.0f, 0.0f};
          const float alphas[] = {1.0f, -0.5f, 2.0f}, betas[] = {0.0f, 1.0f, -1.5f};
          c.alpha = alphas[rep % 3];
          c.beta = betas[(rep + tt) % 3];
          c.pad = rep == 3 ? 5 : 0;
          Run(c, t);
        }
      // One 300+ problem per transpose pair, odd sizes, crossing every block boundary.
      for (int tt = 0; tt < 4; ++tt) Run({bool(tt & 1), bool(tt & 2), 301, 333, 317, 1.0f, tt == 2 ? 0.0f : 0.5f}, t);
      // B stored k×n with a row stride of 512 floats or more, which PackB packs k steps across all
      // micro-panels at a time: n not a multiple of nr, k steps not a multiple of the 8 it takes at once.
      Run({false, false, 23, 601, 43, 1.0f, 0.5f, 0, true, false}, t);
      Run({true, false, 30, 517, 21, 0.5f, 0.0f, 3}, t);
      // Fused epilogue, with and without beta.
      Run({false, false, 37, 70, 129, 1.0f, 0.0f, 0, true, true}, t);
      Run({false, true, 29, 65, 300, 0.7f, 1.0f, 3, true, false}, t);
      Run({true, false, 50, 33, 40, 1.0f, 0.0f, 0, false, true}, t);
      // One output column (the gemv path where sup is on): every transpose pair, lda/ldb padding, the
      // epilogue, m and k across the 4-row and 16/64-lane blocks.
      for (int tt = 0; tt < 4; ++tt) {
        Run({bool(tt & 1), bool(tt & 2), 150, 1, 301, -0.5f, tt == 1 ? 1.5f : 0.0f, tt == 2 ? 4 : 0, tt != 3, tt != 0}, t);
        Run({bool(tt & 1), bool(tt & 2), 7, 1, 3, 2.0f, 0.0f, 1, true, true}, t);
      }
      // Narrow C (the unpacked path's one-vector kernels where sup is on): every transpose pair, n from 2
      // to the AVX-512 width 16 (8: the AVX2 width), m across the 12- and 8-row tiles, padding, the
      // epilogue, beta; and an m and volume past the unpacked path's limits for wider products.
      for (int tt = 0; tt < 4; ++tt) {
        for (int64_t n : {2, 8, 9, 10, 16})
          Run({bool(tt & 1), bool(tt & 2), 203, n, 95, 0.5f, tt == 1 ? 1.5f : 0.0f, tt == 2 ? 3 : 0, tt != 3, tt != 0}, t);
        Run({bool(tt & 1), bool(tt & 2), 1500, 10, 700, 1.0f, tt == 1 ? 1.5f : 0.0f, tt == 2 ? 3 : 0, true, tt != 0}, t);
      }
      // The backward epilogue (gate, column sums) on every path: in the unpacked tiles' store (one thread, no
      // thin columns), and swept after the product on the others (teams, thin columns, the five loops, gemv,
      // the transposed product, k = 0); every transpose pair, beta, padding, bias and ReLU before it.
      for (int tt = 0; tt < 4; ++tt) {
        const bool ta = tt & 1, tb = tt & 2;
        Run({ta, tb, 256, 59, 59, 1.0f, tt == 1 ? 1.0f : 0.0f, tt == 2 ? 3 : 0, tt == 3, false, true, true}, t);
        Run({ta, tb, 97, 182, 13, 0.5f, 0.0f, 0, true, true, true, tt != 2}, t);
        Run({ta, tb, 256, 34, 81, 1.0f, 0.0f, 1, false, false, true, true}, t);
        Run({ta, tb, 1100, 50, 37, 1.0f, 0.0f, 0, false, false, tt != 1, true}, t);
        Run({ta, tb, 150, 1, 31, 1.0f, 0.5f, 0, false, false, true, true}, t);
        Run({ta, tb, 182, 6, 256, 1.0f, 0.0f, 2, false, false, true, true}, t);
      }
      Run({false, false, 13, 7, 0, 1.0f, 0.5f, 0, true, false, true, true}, t);
      // Narrow C by its transpose (transposed_c.hpp, where sup is on and the model says it pays): A stored
      // k×m, B k×n; n up to past one AVX-512 vector (two 16-column blocks of the transposing store), m
      // with and without a last partial 16-row block, alpha, beta, padding, the epilogue.
      Run({true, false, 182, 13, 256, 1.0f, 0.0f, 0, true, false}, t);
      Run({true, false, 511, 23, 64, -0.5f, 1.5f, 3, true, true}, t);
      Run({true, false, 96, 6, 40, 2.0f, 0.0f, 2, false, true}, t);
      Run({true, false, 191, 3, 256, 1.0f, -1.0f, 0, true, true}, t);
      // Columns past C's last whole vector on the thin kernels where sup is on (34 = 2·16 + 2 and
      // 81 = 5·16 + 1, the exponential BUTTER widths; 19 = 16 + 3 and AVX2's 8 + 3 too wide for it):
      // every transpose pair, beta, the epilogue, padding, and rows split over threads; m = 1100 takes the
      // packed path (past the unpacked one's m ≤ 1024), whose panels then end at 48 of 50 columns.
      for (int tt = 0; tt < 4; ++tt) {
        const bool ta = tt & 1, tb = tt & 2;
        Run({ta, tb, 256, 34, 81, 1.0f, tt == 1 ? 1.0f : 0.0f, tt == 2 ? 3 : 0, true, tt != 3}, t);
        Run({ta, tb, 81, 34, 256, 0.5f, 0.0f, 0, tt == 0, false}, t);
        Run({ta, tb, 256, 81, 34, 1.0f, -0.5f, 1, false, true}, t);
        Run({ta, tb, 70, 19, 50, 1.0f, 0.0f, 0, true, true}, t);
        Run({ta, tb, 1100, 50, 37, 1.0f, tt == 1 ? 0.5f : 0.0f, tt == 2 ? 2 : 0, true, true}, t);
      }
    }
  }
  // Which products take the unpacked path: any whose C is at most one vector wide (one jr step, so A is
  // read once whatever m is), else only small ones; never with sup off or without an unpacked kernel.
  Args narrow;
  narrow.m = 4096, narrow.n = 10, narrow.k = 4096;
  for (Isa isa : isas) {
    Tiling t = DefaultTiling(isa, 1);
    const MicroKernel& ukr = *FindMicroKernel(isa, t.mr, t.nr);
    const bool has_sup = ukr.sup_rows != nullptr;
    narrow.n = t.nr / 2;
    EXPECT(SupApplies(narrow, t, ukr) == has_sup, "%s: n = nr/2, m = k = 4096 unpacked = %d", IsaName(isa),
           SupApplies(narrow, t, ukr));
    narrow.n = t.nr / 2 + 1;
    EXPECT(!SupApplies(narrow, t, ukr), "%s: n = nr/2 + 1, m = k = 4096 took the unpacked path", IsaName(isa));
    narrow.n = 2;
    t.sup = false;
    EXPECT(!SupApplies(narrow, t, ukr), "%s: sup off took the unpacked path", IsaName(isa));
  }
  // Which overhanging columns the thin kernels take (AVX-512, 16 lanes): the 2 of a 34-wide C on a
  // 256×34×81 forward product and an 81×34×256 weight gradient, the 1 of an 81-wide input gradient with
  // k = 34; not 8 columns (a 40-wide C), nor 2 columns after k = 6 (the dot products' sums cost more).
  if (IsaAvailable(Isa::Avx512)) {
    const Tiling t = DefaultTiling(Isa::Avx512, 1);
    const MicroKernel& ukr = *FindMicroKernel(Isa::Avx512, t.mr, t.nr);
    const auto thin = [&](bool ta, bool tb, int64_t m, int64_t n, int64_t k) {
      Args s;
      s.trans_a = ta, s.trans_b = tb, s.m = m, s.n = n, s.k = k;
      return ThinColumns(s, ukr, m);
    };
    EXPECT(thin(false, false, 256, 34, 81) == 2, "256×34×81 NN: thin columns %d, want 2", thin(false, false, 256, 34, 81));
    EXPECT(thin(true, false, 81, 34, 256) == 2, "81×34×256 TN: thin columns %d, want 2", thin(true, false, 81, 34, 256));
    EXPECT(thin(false, true, 256, 81, 34) == 1, "256×81×34 NT: thin columns %d, want 1", thin(false, true, 256, 81, 34));
    EXPECT(thin(false, false, 256, 40, 40) == 0, "256×40×40 NN: thin columns %d, want 0", thin(false, false, 256, 40, 40));
    EXPECT(thin(false, false, 256, 2, 6) == 0, "256×2×6 NN: thin columns %d, want 0", thin(false, false, 256, 2, 6));
    EXPECT(thin(false, false, 256, 64, 64) == 0, "256×64×64 NN: thin columns %d, want 0", thin(false, false, 256, 64, 64));
  }
  // Which products go by their transpose (AVX-512, 16 lanes; every ISA with sup kernels gains where C is a
  // few columns wide): the narrow-layer weight gradients 182×13, 191×8, 182×6, 511×23 (k = 256); not a C
  // two vectors wide, nor one too short for full vectors of rows (34×14), nor with A stored m×k, nor with
  // sup off.
  if (IsaAvailable(Isa::Avx512)) {
    Tiling t = DefaultTiling(Isa::Avx512, 1);
    const MicroKernel& ukr = *FindMicroKernel(Isa::Avx512, t.mr, t.nr);
    const auto pays = [&](bool ta, int64_t m, int64_t n, int64_t k) {
      Args s;
      s.trans_a = ta, s.m = m, s.n = n, s.k = k;
      return TransposedPays(s, t, ukr);
    };
    for (const auto& [m, n] : std::vector<std::pair<int64_t, int64_t>>{{182, 13}, {191, 8}, {182, 6}, {511, 23}})
      EXPECT(pays(true, m, n, 256), "%lld×%lld×256 TN: not by its transpose", (long long)m, (long long)n);
    EXPECT(!pays(true, 256, 32, 256), "256×32×256 TN went by its transpose");
    EXPECT(!pays(true, 34, 14, 256), "34×14×256 TN went by its transpose");
    EXPECT(!pays(false, 182, 13, 256), "182×13×256 NN went by its transpose");
    t.sup = false;
    EXPECT(!pays(true, 182, 13, 256), "sup off: 182×13×256 TN went by its transpose");
  }
  // Where the gate and column sums run in the tiles' store: the unpacked path on one thread with no thin
  // columns (a hidden layer's ∂L/∂H, 256×59×59 NT); not with a team, thin columns, the five loops, gemv or
  // sup off.
  {
    Tiling t = DefaultTiling();
    const MicroKernel& ukr = *FindMicroKernel(t.isa, t.mr, t.nr);
    const auto fuses = [&](bool tb, int64_t m, int64_t n, int64_t k, int threads, bool sup) {
      Args s;
      s.trans_b = tb, s.m = m, s.n = n, s.k = k;
      Tiling u = t;
      u.threads = threads, u.sup = sup;
      return GateFusesInStore(s, u);
    };
    const bool has_sup = ukr.sup_rows != nullptr;
    EXPECT(fuses(true, 256, 59, 59, 1, true) == has_sup, "256×59×59 NT, 1 thread: fused %d", fuses(true, 256, 59, 59, 1, true));
    EXPECT(fuses(true, 256, 59, 59, 2, true) == has_sup, "256×59×59 NT: too small for a second thread, fused");
    EXPECT(!fuses(true, 256, 256, 256, 2, true), "256×256×256 NT on a team of 2 fused in the store");
    EXPECT(!fuses(false, 1100, 50, 37, 1, true), "1100×50×37 (the five loops) fused in the store");
    EXPECT(!fuses(false, 150, 1, 31, 1, true), "a gemv fused in the store");
    EXPECT(!fuses(true, 256, 59, 59, 1, false), "sup off fused in the store");
    if (t.isa == Isa::Avx512) EXPECT(!fuses(false, 256, 34, 81, 1, true), "256×34×81 (2 thin columns) fused in the store");
  }
  // How a team of 2 splits a product (in micro-tiles, 12×32): a shared B panel goes by columns on ties and
  // when rows win by a sliver (256×800: 22×13 vs 11×25 tiles per thread), by rows when they halve the
  // share (one column panel); the unpacked path prefers rows on ties.
  {
    const auto split = [](int64_t m_iter, int64_t n_iter, bool shared_b) {
      int ic = 0, jr = 0;
      SplitTeam(2, m_iter, n_iter, shared_b, &ic, &jr);
      return ic * 10 + jr;
    };
    EXPECT(split(22, 25, true) == 12, "256×800 packed: split %d, want columns (12)", split(22, 25, true));
    EXPECT(split(22, 24, true) == 12, "256×768 packed: split %d, want columns (12)", split(22, 24, true));
    EXPECT(split(86, 1, true) == 21, "1024×32 packed: split %d, want rows (21)", split(86, 1, true));
    EXPECT(split(22, 24, false) == 21, "256×768 unpacked: split %d, want rows (21)", split(22, 24, false));
  }
  // An odd count of column panels on 2 threads, packed path (the column split leaves one thread an extra
  // panel).
  {
    Tiling two = DefaultTiling();
    two.threads = 2;
    Run({false, false, 256, 800, 512, 1.0f, 0.0f}, two);
    Run({false, true, 100, 784, 1000, 1.0f, 1.0f}, two);
  }
  // Degenerate shapes on the default path: k = 0 (C = beta·C), alpha = 0, 1×1, k = 1, tall-skinny.
  const Tiling d = DefaultTiling();
  Run({false, false, 5, 6, 0, 1.0f, 0.5f}, d);
  Run({false, false, 5, 6, 0, 1.0f, 0.0f, 0, true, true}, d);
  Run({false, false, 9, 9, 9, 0.0f, 2.0f}, d);
  Run({false, false, 0, 6, 5, 1.0f, 0.0f, 0, false, false, true, true}, d);  // no rows: column sums of 0
  Run({false, false, 1, 1, 1, 1.0f, 0.0f}, d);
  Run({true, true, 1, 1, 1, 3.0f, 1.0f}, d);
  Run({false, false, 200, 3, 1, 1.0f, 0.0f}, d);
  Run({false, true, 1000, 2, 5, 1.0f, 0.0f}, d);
  Run({true, false, 3, 257, 2, 1.0f, 0.0f}, d);
  // m = 0 or n = 0 must not touch anything (null pointers allowed).
  Args empty;
  empty.m = 0, empty.n = 5, empty.k = 3, empty.lda = 3, empty.ldb = 5, empty.ldc = 5;
  sgemm(empty, d);
  ++checks;
}

// Runs f and checks it throws mlpe::Error with `code` and a message containing `fragment`.
template <typename F>
void ExpectError(const char* what, const std::string& code, const std::string& fragment, F f) {
  try {
    f();
    EXPECT(false, "%s: no error thrown", what);
  } catch (const mlpe::Error& e) {
    EXPECT(e.code() == code && std::string(e.what()).find(fragment) != std::string::npos,
           "%s: got %s \"%s\", want %s containing \"%s\"", what, e.code().c_str(), e.what(), code.c_str(),
           fragment.c_str());
  }
}

void Errors() {
  const Tiling d = DefaultTiling(Isa::Reference, 1);
  auto with = [&](auto edit) {
    Tiling t = d;
    edit(t);
    return t;
  };
  ExpectError("mc not a multiple of mr", "INVALID_TILING", "not a multiple of mr",
              [&] { Validate(with([](Tiling& t) { t.mc = t.mr * 5 + 1; })); });
  ExpectError("nc not a multiple of nr", "INVALID_TILING", "not a multiple of nr",
              [&] { Validate(with([](Tiling& t) { t.nc = t.nr * 3 + 1; })); });
  ExpectError("tile not offered", "INVALID_TILING", "not offered by isa reference",
              [&] { Validate(with([](Tiling& t) { t.mr = 5, t.nr = 7; })); });
  ExpectError("threads 0", "INVALID_TILING", "threads", [&] { Validate(with([](Tiling& t) { t.threads = 0; })); });
  ExpectError("kc 0", "INVALID_TILING", "kc", [&] { Validate(with([](Tiling& t) { t.kc = 0; })); });
  ExpectError("mc < mr", "INVALID_TILING", "mc must be", [&] { Validate(with([](Tiling& t) { t.mc = 1; })); });
  if (!IsaAvailable(Isa::Avx512))
    ExpectError("absent isa", "ISA_UNAVAILABLE", "not available",
                [&] { Validate(with([](Tiling& t) { t.isa = Isa::Avx512, t.mr = 12, t.nr = 32; })); });
  float x[4] = {};
  Args g;
  g.m = 2, g.n = 2, g.k = 2, g.a = x, g.b = x, g.c = x, g.lda = 2, g.ldb = 2, g.ldc = 2;
  ExpectError("negative m", "INVALID_OPTION", "m, n and k", [&] { Args h = g; h.m = -1; sgemm(h, d); });
  ExpectError("lda too small", "INVALID_OPTION", "lda=1", [&] { Args h = g; h.lda = 1; sgemm(h, d); });
  ExpectError("ldb too small", "INVALID_OPTION", "ldb=1", [&] { Args h = g; h.ldb = 1; sgemm(h, d); });
  ExpectError("ldc too small", "INVALID_OPTION", "ldc=1", [&] { Args h = g; h.ldc = 1; sgemm(h, d); });
  ExpectError("ldgate too small", "INVALID_OPTION", "epilogue.ldgate=1 must be ≥ n", [&] {
    Args h = g;
    h.epilogue.gate = h.c, h.epilogue.ldgate = 1;
    sgemm(h, d);
  });
  ExpectError("null a", "INVALID_OPTION", "a and b", [&] { Args h = g; h.a = nullptr; sgemm(h, d); });
  ExpectError("NaN alpha", "INVALID_OPTION", "finite", [&] { Args h = g; h.alpha = NAN; sgemm(h, d); });
}

void Defaults() {
  for (Isa isa : {Isa::Reference, Isa::Avx2, Isa::Avx512}) {
    if (!IsaAvailable(isa)) continue;
    const Tiling t = DefaultTiling(isa, 2);
    bool ok = true;
    try {
      Validate(t);
    } catch (const mlpe::Error& e) {
      ok = false;
      std::printf("%s\n", e.what());
    }
    EXPECT(ok, "default tiling for %s must validate", IsaName(isa));
    EXPECT(DefaultTilingDerivation(isa, 2).size() == 3, "derivation names kc, mc and nc");
    // The vector ISAs' default kernels have the unpacked variants, so Correctness's small shapes run them.
    if (isa != Isa::Reference) {
      Args small;
      small.m = 64, small.n = 64, small.k = 64;
      EXPECT(SupApplies(small, t, *FindMicroKernel(isa, t.mr, t.nr)), "the %s %dx%d kernel takes the unpacked path",
             IsaName(isa), t.mr, t.nr);
    }
  }
  EXPECT(IsaAvailable(BestIsa()), "BestIsa must be available");
  Isa parsed;
  EXPECT(ParseIsa("avx2", &parsed) && parsed == Isa::Avx2 && !ParseIsa("sse", &parsed), "ParseIsa");
}

// Steady state: once the pack buffers and pool threads exist, neither the packed nor the unpacked
// path may allocate (thread-pool task hand-off included), on every vector ISA this CPU has.
void NoAllocationAfterWarmUp() {
  const int64_t m = 256, n = 200, k = 300;
  std::vector<float> a(m * k, 0.5f), b(k * n, 0.25f), c(m * n), bias(n, 1.0f);
  std::vector<Isa> isas = {BestIsa()};
  if (BestIsa() == Isa::Avx512 && IsaAvailable(Isa::Avx2)) isas.push_back(Isa::Avx2);
  for (const Isa isa : isas)
    for (const bool sup : {true, false})
      for (const int threads : {1, 2}) {
        Tiling t = DefaultTiling(isa, threads);
        t.sup = sup;
        Args g;
        g.m = m, g.n = n, g.k = k, g.a = a.data(), g.lda = k, g.b = b.data(), g.ldb = n, g.c = c.data(), g.ldc = n;
        g.epilogue.bias = bias.data(), g.epilogue.relu = true;
        sgemm(g, t);  // warm-up: buffers and threads
        const long before = g_allocations;
        for (int i = 0; i < 5; ++i) sgemm(g, t);
        EXPECT(g_allocations == before, "5 sgemm calls (%s, sup=%d, threads=%d) allocated %ld times", IsaName(isa),
               sup, threads, g_allocations - before);
      }
}

}  // namespace

int main() {
  Correctness();
  Errors();
  Defaults();
  NoAllocationAfterWarmUp();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
