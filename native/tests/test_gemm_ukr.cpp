// Every fast micro-kernel against the portable reference kernel of the same mr×nr, on packed panels
// (BLIS testsuite's test_gemm_ukr): kc from 1 to past the k-unroll, beta 0 (C = NaN), 1 and other; the
// unpacked variants also at every height, masked column counts and with the fused epilogue.
// Bound: both kernels sum the same kc products in float32, in different orders (FMA or not), so each
// differs from the exact sum by ≤ γ_kc·Σ|a||b| (Higham §3.1); their difference is ≤ 2·γ_{kc+2}·(|alpha|Σ|a||b| + |beta||c|).
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "gemm/kernels.hpp"
#include "gemm/pack_buffer.hpp"

using namespace mlpe::gemm;

int main() {
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> d(-1, 1);
  int failures = 0, checks = 0;
  for (const MicroKernel& fast : MicroKernels()) {
    if (fast.isa == Isa::Reference || !IsaAvailable(fast.isa)) continue;
    const MicroKernel* ref = FindMicroKernel(Isa::Reference, fast.mr, fast.nr);
    if (!ref) {
      std::printf("FAIL %s has no reference kernel of the same shape\n", fast.name);
      ++failures;
      continue;
    }
    for (int64_t kc : {1, 2, 3, 4, 5, 8, 17, 64, 255, 256, 300}) {
      for (float beta : {0.0f, 1.0f, -0.75f}) {
        const float alpha = kc % 2 ? 1.0f : -1.25f;
        PackBuffer ab, bb;
        float* a = ab.Reserve(kc * fast.mr);
        float* b = bb.Reserve(kc * fast.nr);
        for (int64_t i = 0; i < kc * fast.mr; ++i) a[i] = d(rng);
        for (int64_t i = 0; i < kc * fast.nr; ++i) b[i] = d(rng);
        const int64_t rs_c = fast.nr + 3;  // C rows with a stride wider than the tile
        std::vector<float> c0(fast.mr * rs_c);
        for (auto& x : c0) x = beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : d(rng);
        std::vector<float> c_ref = c0;
        if (beta == 0.0f) std::fill(c_ref.begin(), c_ref.end(), 0.0f);  // the reference may read C
        ref->fn(kc, a, b, c_ref.data(), rs_c, alpha, beta);
        // The packed kernel, then the unpacked variants of every height h ≤ mr on the same values laid out
        // as A m×k (rows) and A k×m (cols) with padded leading dimensions, B rows with stride nr + 5, for
        // whole and masked column counts, with and without the fused epilogue (bias, ReLU).
        const int64_t lda_rows = kc + 3, lda_cols = fast.mr + 2, ldb = fast.nr + 5;
        std::vector<float> a_rows(fast.mr * lda_rows), a_cols(kc * lda_cols), b_rows(kc * ldb);
        for (int i = 0; i < fast.mr; ++i)
          for (int64_t p = 0; p < kc; ++p) a_rows[i * lda_rows + p] = a_cols[p * lda_cols + i] = a[p * fast.mr + i];
        for (int64_t p = 0; p < kc; ++p)
          for (int j = 0; j < fast.nr; ++j) b_rows[p * ldb + j] = b[p * fast.nr + j];
        std::vector<float> bias(fast.nr);
        for (auto& x : bias) x = d(rng);
        const int lanes = fast.nr / 2;
        for (int variant = 0; variant < 3; ++variant) {
          if (variant > 0 && !fast.sup_rows) break;
          for (int h = variant == 0 ? fast.mr : 1; h <= fast.mr; ++h) {
            for (int cols : {fast.nr, fast.nr - 1, lanes + 1, lanes, lanes - 3, 1}) {
              if (variant == 0 && cols != fast.nr) continue;
              for (int epilogue = 0; epilogue < (variant == 0 ? 1 : 2); ++epilogue) {
                std::vector<float> c_fast = c0;
                SupTile tile{cols, alpha, beta};
                if (epilogue) tile.bias = bias.data(), tile.relu = true;
                if (variant == 0) fast.fn(kc, a, b, c_fast.data(), rs_c, alpha, beta);
                if (variant == 1) fast.sup_rows[h](kc, a_rows.data(), lda_rows, b_rows.data(), ldb, c_fast.data(), rs_c, tile);
                if (variant == 2) fast.sup_cols[h](kc, a_cols.data(), lda_cols, b_rows.data(), ldb, c_fast.data(), rs_c, tile);
                const double u = std::ldexp(1.0, -24), gamma = (kc + 2) * u / (1 - (kc + 2) * u);
                double worst = 0;
                bool untouched = true;  // C outside the h × cols corner belongs to someone else
                for (int i = 0; i < fast.mr; ++i)
                  for (int64_t j = 0; j < rs_c; ++j) {
                    const float got = c_fast[i * rs_c + j], was = c0[i * rs_c + j];
                    if (i >= h || j >= cols) {
                      untouched &= std::isnan(was) ? std::isnan(got) : got == was;
                      continue;
                    }
                    double mag = 0;
                    for (int64_t p = 0; p < kc; ++p) mag += std::fabs(double(a[p * fast.mr + i]) * b[p * fast.nr + j]);
                    const double cold = beta == 0.0f ? 0.0 : was;
                    double want = c_ref[i * rs_c + j];
                    double bound = 2 * gamma * (std::fabs(alpha) * mag + std::fabs(beta * cold)) + 1e-30;
                    if (epilogue) {  // + bias rounds once more on each side; ReLU is 1-Lipschitz
                      bound += 2 * u * (std::fabs(want) + std::fabs(bias[j]));
                      want = std::max(0.0, double(float(want + bias[j])));
                    }
                    const double diff = std::fabs(double(got) - want);
                    worst = std::max(worst, std::isfinite(diff) ? diff / bound : INFINITY);
                  }
                ++checks;
                if (worst > 1.0 || !untouched) {
                  ++failures;
                  std::printf("FAIL %s (%s) h=%d cols=%d epilogue=%d kc=%lld beta=%g: error/bound %g, untouched %d\n",
                              fast.name, variant == 0 ? "packed" : variant == 1 ? "sup rows" : "sup cols", h, cols,
                              epilogue, (long long)kc, beta, worst, untouched);
                }
              }
            }
          }
        }
      }
    }
    std::printf("%s vs %s: checked\n", fast.name, ref->name);
  }
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
