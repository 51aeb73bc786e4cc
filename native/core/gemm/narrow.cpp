#include "gemm/narrow.hpp"

#include <algorithm>

#include "common/thread_pool.hpp"
#include "gemm/pack_buffer.hpp"

namespace mlpe::gemm {

namespace {

thread_local PackBuffer b_panel;  // B as k × lanes, zero-padded

bool KernelFor(Isa isa, NarrowKernel* kernel) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::Avx512) return *kernel = Avx512NarrowKernel(), true;
  if (isa == Isa::Avx2) return *kernel = Avx2NarrowKernel(), true;
#else
  (void)isa, (void)kernel;
#endif
  return false;
}

}  // namespace

bool NarrowApplies(const Args& g, const Tiling& t) {
  NarrowKernel kernel;
  return t.sup && g.n >= 2 && KernelFor(t.isa, &kernel) && g.n <= kernel.lanes;
}

void NarrowGemm(const Args& g, const Tiling& t, int team) {
  NarrowKernel kernel;
  KernelFor(t.isa, &kernel);
  const int lanes = kernel.lanes;
  float* b = b_panel.Reserve(static_cast<size_t>(g.k * lanes));
  for (int64_t p = 0; p < g.k; ++p) {
    float* row = b + p * lanes;
    for (int64_t j = 0; j < g.n; ++j) row[j] = g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
    std::fill(row + g.n, row + lanes, 0.0f);
  }
  const NarrowRows rows{g.a, g.lda, !g.trans_a, b, g.k, g.n, g.c, g.ldc, g.alpha, g.beta, g.epilogue.bias, g.epilogue.relu};
  // Threads take whole 16-row blocks, so no two write the same C cache line from different rows' tails.
  ParallelFor(g.m, team, [&](int64_t begin, int64_t end) { kernel.rows(rows, begin, end); }, 16);
}

}  // namespace mlpe::gemm
