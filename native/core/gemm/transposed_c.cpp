#include "gemm/transposed_c.hpp"

#include <algorithm>

#include "gemm/epilogue.hpp"
#include "gemm/pack_buffer.hpp"

namespace mlpe::gemm {

namespace {

thread_local PackBuffer transposed_c;  // Cᵀ, n rows of m (rounded up to a cache line)

// Vector-FMA slots per k step for a rows×cols C on register tiles one or two vectors wide (nr = 2 lanes):
// a C one vector wide gets one B vector per k step, and the broadcasts of A then hold the FMAs to ~3/4
// of peak; fewer than 4 rows (8 accumulators) cannot hide the FMA latency.
double TileCost(int64_t rows, int64_t cols, int lanes) {
  const int64_t vectors = (cols + lanes - 1) / lanes;
  return static_cast<double>(std::max<int64_t>(rows, 4)) * static_cast<double>(vectors) * (vectors == 1 ? 4.0 / 3 : 1.0);
}

}  // namespace

bool TransposedPays(const Args& g, const Tiling& t, const MicroKernel& ukr) {
  if (!t.sup || !g.trans_a || g.trans_b || !ukr.sup_cols) return false;
  const int lanes = ukr.nr / 2;
  if (g.n >= 2 * lanes || g.m < 2 * lanes) return false;  // C is not narrow, or not long enough to gain
  // The direct product: register tiles, or, for the last n ≤ lanes/4 columns, the thin axpy kernel
  // (~1.75 cycles per vector of rows and column per k step measured: 182×2 to 182×4 at k = 256).
  const double direct = g.n <= lanes / 4 ? 3.5 * static_cast<double>((g.m + lanes - 1) / lanes * g.n)
                                         : TileCost(g.m, g.n, lanes);
  // The transposed one: its tiles (~15% below the model on 13×182 and 16×182) and the transposing store,
  // ~0.3 cycles (0.6 FMA slots) per element in 16×16 or 8×8 register blocks, ~1.6 scalar, spread over the
  // k steps.
  const double store_slots = t.isa == Isa::Avx512 || t.isa == Isa::Avx2 ? 0.6 : 3.2;
  const double transposed = 1.15 * TileCost(g.n, g.m, lanes) +
                            store_slots * static_cast<double>(g.m) * static_cast<double>(g.n) / static_cast<double>(g.k);
  return transposed < direct;
}

void TransposedProduct(const Args& g, const Tiling& t, ProductFn product) {
  const int64_t ldt = (g.m + 15) / 16 * 16;
  float* scratch = transposed_c.Reserve(static_cast<size_t>(g.n * ldt));
  Args h;  // Cᵀ = Bᵀ·A: A' = B (stored k×n, so transposed), B' = A (stored k×m)
  h.trans_a = true, h.trans_b = false;
  h.m = g.n, h.n = g.m, h.k = g.k;
  h.a = g.b, h.lda = g.ldb;
  h.b = g.a, h.ldb = g.lda;
  h.c = scratch, h.ldc = ldt;
  product(h, t);
  StoreTransposed(scratch, ldt, g.m, g.n, g.c, g.ldc, g.alpha, g.beta, g.epilogue, t.isa);
}

void StoreTransposedScalar(const float* t, int64_t ldt, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end,
                           float* c, int64_t ldc, float alpha, float beta, const Epilogue& epilogue) {
  for (int64_t i = i_begin; i < i_end; ++i) {
    float* ci = c + i * ldc;
    for (int64_t j = j_begin; j < j_end; ++j) {
      const float v = alpha * t[j * ldt + i];
      ci[j] = BiasRelu(beta == 0.0f ? v : v + beta * ci[j], epilogue.bias, j, epilogue.relu);
    }
  }
}

void StoreTransposed(const float* t, int64_t ldt, int64_t m, int64_t n, float* c, int64_t ldc, float alpha, float beta,
                     const Epilogue& epilogue, Isa isa) {
  int64_t rows = 0, cols = n;  // the block the vector body stored: rows [0, rows) × columns [0, cols)
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::Avx512) rows = StoreTransposedAvx512(t, ldt, m, n, c, ldc, alpha, beta, epilogue);
  if (isa == Isa::Avx2) {
    rows = m / 8 * 8, cols = n / 8 * 8;
    StoreTransposedAvx2(t, ldt, rows, cols, c, ldc, alpha, beta, epilogue);
  }
#else
  (void)isa;
#endif
  StoreTransposedScalar(t, ldt, 0, rows, cols, n, c, ldc, alpha, beta, epilogue);  // right of the block
  StoreTransposedScalar(t, ldt, rows, m, 0, n, c, ldc, alpha, beta, epilogue);     // below it
}

}  // namespace mlpe::gemm
