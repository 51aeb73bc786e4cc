// Products with a narrow C (2 ≤ n ≤ one vector: 16 floats on AVX-512, 8 on AVX2): the 10-unit output
// layer of every multi-class BUTTER network and the tapering layers of exponential shapes (…-13-1), in
// the forward pass and in their weight gradients. The MR × 2-vector micro-kernels would compute 32
// columns for every 10–16 real ones, so these run a kernel one vector wide instead: C's rows MR at a
// time, A broadcast in place, B (k × n, small) packed once into a zero-padded k × lanes panel, and beta,
// bias and ReLU applied in registers before one masked store per row. Part of the unpacked path:
// `tiling.sup = false` sends them through the five loops.
#pragma once
#include <cstdint>

#include "gemm/gemm.hpp"
#include "gemm/tiling.hpp"

namespace mlpe::gemm {

bool NarrowApplies(const Args& args, const Tiling& tiling);

// k > 0, alpha != 0 (sgemm handles the rest); beta and the epilogue as sgemm's. `team`: the threads
// sgemm gives the product, as for the unpacked path.
void NarrowGemm(const Args& args, const Tiling& tiling, int team);

// Rows [row_begin, row_end) of C: A as in Args (rows: A(i, p) = a[i·lda + p], else a[p·lda + i]), b the
// packed k × lanes panel. The per-ISA bodies (narrow_x.hpp in narrow_avx512.cpp, narrow_avx2.cpp).
struct NarrowRows {
  const float* a;
  int64_t lda;
  bool a_rows;
  const float* b;
  int64_t k, n;
  float* c;
  int64_t ldc;
  float alpha, beta;
  const float* bias;
  bool relu;
};
using NarrowRowsFn = void (*)(const NarrowRows& args, int64_t row_begin, int64_t row_end);
struct NarrowKernel {
  int lanes;
  NarrowRowsFn rows;
};
NarrowKernel Avx512NarrowKernel();
NarrowKernel Avx2NarrowKernel();

}  // namespace mlpe::gemm
