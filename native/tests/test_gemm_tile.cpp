// The vector tile finishers (tile_avx2.cpp, tile_avx512.cpp) against the portable loops' arithmetic written
// out here: MergeEdge is C := edge (beta = 0, C not read: it holds NaN) or edge + beta·C, ApplyEpilogue is
// C := max(C + bias, 0) with `x > 0 ? x : 0` semantics (NaN and −0 become +0). The same float operations in
// the same order, so results must be bit-identical. Every width from 1 to past two vectors, columns of C
// beyond the tile (guards) untouched.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "expect.hpp"
#include "gemm/macro_kernel.hpp"
#include "gemm/tiling.hpp"

using namespace mlpe::gemm;

namespace {

using MergeFn = void (*)(const float*, int, float*, int64_t, int, int, float);
using EpilogueFn = void (*)(float*, int64_t, int, int, const float*, bool);

bool Same(float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; }

void Check(const char* isa, MergeFn merge, EpilogueFn epilogue, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  constexpr int kNr = 40, kGuard = 5;
  for (int rows = 1; rows <= 3; ++rows)
    for (int cols = 1; cols <= kNr; ++cols) {
      const int64_t ldc = cols + kGuard;
      std::vector<float> edge(rows * kNr), c(rows * ldc), bias(cols);
      for (auto& x : edge) x = d(rng);
      for (auto& x : c) x = d(rng);
      for (auto& x : bias) x = d(rng);
      edge[0] = -0.0f;  // −0 + 0·… through ReLU must come out +0
      if (cols > 2) edge[2] = nan;
      for (float beta : {0.0f, -1.5f}) {
        std::vector<float> got = c, want = c;
        if (beta == 0.0f)
          for (int i = 0; i < rows; ++i)
            for (int j = 0; j < cols; ++j) got[i * ldc + j] = want[i * ldc + j] = nan;  // must not be read
        for (int i = 0; i < rows; ++i)
          for (int j = 0; j < cols; ++j) {
            float& w = want[i * ldc + j];
            w = beta == 0.0f ? edge[i * kNr + j] : edge[i * kNr + j] + beta * w;
            w = w + bias[j];
            w = w > 0.0f ? w : 0.0f;
          }
        merge(edge.data(), kNr, got.data(), ldc, rows, cols, beta);
        epilogue(got.data(), ldc, rows, cols, bias.data(), true);
        int wrong = 0;
        for (size_t i = 0; i < got.size(); ++i) wrong += !Same(got[i], want[i]);
        EXPECT(wrong == 0, "%s merge + epilogue rows=%d cols=%d beta=%g: %d floats differ", isa, rows, cols, beta,
               wrong);
      }
    }
}

}  // namespace

int main() {
  std::mt19937 rng(5);
#if defined(__x86_64__) || defined(_M_X64)
  if (IsaAvailable(Isa::Avx2)) Check("avx2", MergeEdgeAvx2, ApplyEpilogueAvx2, rng);
  if (IsaAvailable(Isa::Avx512)) Check("avx512", MergeEdgeAvx512, ApplyEpilogueAvx512, rng);
#endif
  std::printf("%d checks, %d failures\n", mlpe::test::checks, mlpe::test::failures);
  return mlpe::test::failures == 0 ? 0 : 1;
}
