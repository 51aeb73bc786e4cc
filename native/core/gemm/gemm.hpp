// The public contract of the blocked SGEMM (row-major, float32):
//   C = alpha * op(A) * op(B) + beta * C, then the optional epilogue (bias per column, ReLU).
// A is m×k (k×m when trans_a), B is k×n (n×k when trans_b), C is m×n; lda/ldb/ldc are row strides.
// beta == 0 means C is never read (it may hold NaN). Tiling is explicit; see tiling.hpp.
#pragma once
#include <cstdint>

#include "gemm/tiling.hpp"

namespace mlpe::gemm {

struct Epilogue {
  const float* bias = nullptr;  // length n, added to every row of C after alpha/beta
  bool relu = false;            // max(0, ·) after the bias
  // Backpropagation through the ReLU of the layer below: C := C ⊙ [gate > 0] after the bias and ReLU, with
  // gate m×n at row stride ldgate ≥ n (NaN and ±0 gate to 0).
  const float* gate = nullptr;
  int64_t ldgate = 0;
  // column_sums[j] := Σ_i C[i][j] of the final C, rows summed in order from 0 (the bias gradient); n
  // floats, written, not accumulated.
  float* column_sums = nullptr;
};

struct Args {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;
  int64_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;
  Epilogue epilogue{};
};

// Validates args and tiling (throws mlpe::Error with a code and the fix) and runs the five loops.
void sgemm(const Args& args, const Tiling& tiling);

// Same, with the default tiling for the best ISA this CPU offers.
void sgemm(const Args& args);

// Whether sgemm(args, tiling) applies the epilogue's gate and column sums in its tiles' store (the
// unpacked path on one thread), rather than in a scalar sweep over C after the product: a caller with a
// vectorised sweep of its own (training's mask-and-bias) asks for them only then.
bool GateFusesInStore(const Args& args, const Tiling& tiling);

}  // namespace mlpe::gemm
