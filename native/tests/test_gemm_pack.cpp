// The vector packing bodies (AVX2, AVX-512) against the scalar loops: packing only moves floats, so every
// packed panel must equal the reference one exactly, zero padding included. Shapes: every transpose, the
// micro-tile sizes each ISA offers plus odd ones (rows or columns short of the panel, k below, at and past a
// vector width), leading dimensions wider than the rows. Each panel is packed into a buffer with guard
// floats after it, which must stay untouched (the AVX2 bodies write partial rows with full-width stores
// that the next k step overwrites; the last k step must not write past the panel).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "expect.hpp"
#include "gemm/gemm.hpp"
#include "gemm/kernels.hpp"
#include "gemm/pack.hpp"

using namespace mlpe::gemm;

namespace {

constexpr int kGuard = 64;
constexpr float kSentinel = -12345.0f;

// op(X) of `rows`×k (A, panel height mr) or k×cols (B, panel width nr) with row stride ld, random values.
struct Source {
  std::vector<float> data;
  Args args;
};

Source Make(bool trans, bool is_a, int64_t outer, int64_t k, int64_t pad, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1, 1);
  Source s;
  // Stored shape: A is outer×k (k×outer when trans), B is k×outer (outer×k when trans).
  const bool k_major = is_a ? trans : !trans;
  const int64_t stored_rows = k_major ? k : outer, stored_cols = (k_major ? outer : k) + pad;
  s.data.resize(stored_rows * stored_cols);
  for (auto& x : s.data) x = d(rng);
  Args& g = s.args;
  g.k = k;
  if (is_a) g.trans_a = trans, g.m = outer, g.a = s.data.data(), g.lda = stored_cols;
  else g.trans_b = trans, g.n = outer, g.b = s.data.data(), g.ldb = stored_cols;
  return s;
}

void Check(Isa isa, bool is_a, bool trans, int tile, int64_t outer, int64_t k, int64_t pad, std::mt19937& rng) {
  const Source s = Make(trans, is_a, outer, k, pad, rng);
  const int64_t panels = (outer + tile - 1) / tile, size = panels * tile * k;
  std::vector<float> want(size + kGuard, kSentinel), got(size + kGuard, kSentinel);
  if (is_a) {
    PackA(s.args, 0, 0, outer, k, tile, want.data(), Isa::Reference);
    PackA(s.args, 0, 0, outer, k, tile, got.data(), isa);
  } else {
    PackB(s.args, 0, 0, k, outer, tile, 0, panels, want.data(), Isa::Reference);
    PackB(s.args, 0, 0, k, outer, tile, 0, panels, got.data(), isa);
  }
  int64_t wrong = 0, first = -1;
  for (int64_t i = 0; i < size + kGuard; ++i)
    if (!(got[i] == want[i])) wrong++, first = first < 0 ? i : first;
  EXPECT(wrong == 0, "%s Pack%s %s tile=%d outer=%lld k=%lld pad=%lld: %lld floats differ (first at %lld%s)",
         IsaName(isa), is_a ? "A" : "B", trans ? "T" : "N", tile, (long long)outer, (long long)k, (long long)pad,
         (long long)wrong, (long long)first, first >= size ? ", past the panel" : "");
}

}  // namespace

int main() {
  std::mt19937 rng(2024);
  for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
    if (!IsaAvailable(isa)) {
      std::printf("%s: not available on this CPU, skipped\n", IsaName(isa));
      continue;
    }
    std::vector<int> mrs = {1, 3, 8, 9}, nrs = {4, 8, 16, 24};
    for (const MicroKernel& ukr : MicroKernels())
      if (ukr.isa == isa) mrs.push_back(ukr.mr), nrs.push_back(ukr.nr);
    for (bool trans : {false, true})
      for (int64_t k : {1, 5, 8, 9, 16, 17, 40})
        for (int64_t pad : {0, 3}) {
          for (int mr : mrs)
            for (int64_t outer : {int64_t(1), int64_t(mr), int64_t(2 * mr + mr / 2 + 1)})
              Check(isa, true, trans, mr, outer, k, pad, rng);
          for (int nr : nrs)
            for (int64_t outer : {int64_t(1), int64_t(nr - 1), int64_t(nr), int64_t(2 * nr + 3)})
              if (outer > 0) Check(isa, false, trans, nr, outer, k, pad, rng);
        }
  }
  std::printf("%d checks, %d failures\n", mlpe::test::checks, mlpe::test::failures);
  return mlpe::test::failures == 0 ? 0 : 1;
}
