// Products with one column (n == 1): the output layer of every BUTTER regression and binary network.
// A micro-kernel nr wide would compute nr − 1 columns of padding (32× the work at nr = 32), so these run
// as matrix-vector products instead: row dot products when A is m×k, axpy sweeps over A's rows when A
// is stored k×m. Part of the unpacked path: `tiling.sup = false` sends them through the five loops.
#pragma once
#include "gemm/gemm.hpp"
#include "gemm/tiling.hpp"

namespace mlpe::gemm {

bool GemvApplies(const Args& args, const Tiling& tiling);

// args.n == 1, k > 0, alpha != 0 (sgemm handles the rest); beta and the epilogue as sgemm's.
void Gemv(const Args& args, const Tiling& tiling);

// y[i] = Σ_p A(i, p)·x[p] for i < m, x contiguous: dot_rows when A is m×k, axpy_rows when A is stored k×m.
using GemvSweepFn = void (*)(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y);
struct GemvSweeps {
  GemvSweepFn dot_rows, axpy_rows;
};
// The vector sweeps (gemv_avx2.cpp, gemv_avx512.cpp; x86-64 only).
GemvSweeps Avx2GemvSweeps();
GemvSweeps Avx512GemvSweeps();

}  // namespace mlpe::gemm
