#include "gemm/gemv.hpp"

#include <vector>

#include "gemm/epilogue.hpp"

namespace mlpe::gemm {

namespace {

thread_local std::vector<float> x_buffer, y_buffer;

// y[i] = Σ_p A[i·lda + p]·x[p]: A is m×k row-major.
void DotRows(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y) {
  for (int64_t i = 0; i < m; ++i) {
    float sum = 0;
    for (int64_t p = 0; p < k; ++p) sum += a[i * lda + p] * x[p];
    y[i] = sum;
  }
}

// y[i] = Σ_p A[p·lda + i]·x[p]: A stored k×m, swept row by row.
void AxpyRows(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y) {
  for (int64_t i = 0; i < m; ++i) y[i] = 0;
  for (int64_t p = 0; p < k; ++p)
    for (int64_t i = 0; i < m; ++i) y[i] += a[p * lda + i] * x[p];
}

// The ISA's vector sweeps; the portable loops for reference (and off x86).
GemvSweeps SweepsFor(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::Avx512) return Avx512GemvSweeps();
  if (isa == Isa::Avx2) return Avx2GemvSweeps();
#else
  (void)isa;
#endif
  return {DotRows, AxpyRows};
}

}  // namespace

bool GemvApplies(const Args& g, const Tiling& t) { return t.sup && g.n == 1; }

void Gemv(const Args& g, const Tiling& t) {
  const GemvSweeps sweeps = SweepsFor(t.isa);  // Validate checked the CPU has the isa
  // B's one column: contiguous when transposed (1×k) or ldb == 1, else gathered.
  const float* x = g.b;
  if (!g.trans_b && g.ldb != 1) {
    x_buffer.resize(static_cast<size_t>(g.k));
    for (int64_t p = 0; p < g.k; ++p) x_buffer[p] = g.b[p * g.ldb];
    x = x_buffer.data();
  }
  y_buffer.resize(static_cast<size_t>(g.m));
  float* y = y_buffer.data();
  (g.trans_a ? sweeps.axpy_rows : sweeps.dot_rows)(g.a, g.lda, g.m, g.k, x, y);
  for (int64_t i = 0; i < g.m; ++i) {
    float& ci = g.c[i * g.ldc];
    float v = g.alpha * y[i];
    if (g.beta != 0.0f) v += g.beta * ci;  // beta == 0: C is not read
    ci = BiasRelu(v, g.epilogue.bias, 0, g.epilogue.relu);
  }
}

}  // namespace mlpe::gemm
