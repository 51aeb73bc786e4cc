// Narrow C by its transpose. A product C = Aᵀ·B whose C is only a few columns wide (the ∂W = Hᵀ·dZ of a
// narrow layer: 182×13, 511×23, 191×8 at k = 256) leaves most lanes of the register tiles idle, and one
// vector of B per k step cannot keep the FMAs fed from A's broadcasts (182×6×256 ran at 62 GF/s). Its
// transpose Cᵀ = Bᵀ·A is the same orientation (A stored k×m, B k×n) with C's long side along the lanes,
// so it runs the usual kernels near peak; the result is then transposed into C with alpha, beta and the
// epilogue. Part of the unpacked path: `tiling.sup = false` leaves every product to the five loops.
#pragma once
#include <cstdint>

#include "gemm/gemm.hpp"
#include "gemm/kernels.hpp"
#include "gemm/tiling.hpp"

namespace mlpe::gemm {

// Whether computing C as (Bᵀ·A)ᵀ beats the direct product, by the register tiles' cost model (the
// transpose included): only for trans_a, !trans_b products.
bool TransposedPays(const Args& args, const Tiling& tiling, const MicroKernel& ukr);

using ProductFn = void (*)(const Args& args, const Tiling& tiling);

// C := alpha·(Bᵀ·A)ᵀ + beta·C with the epilogue, the inner product computed by `product` into scratch.
void TransposedProduct(const Args& args, const Tiling& tiling, ProductFn product);

// C[i][j] := alpha·T[j][i] + beta·C[i][j] (beta == 0: C not read), + bias[j], ReLU, for i < m, j < n:
// the transposing store (transposed_c.cpp; blocks transposed in registers by transpose_avx512.cpp, 16×16,
// and transpose_avx2.cpp, 8×8; the scalar loop takes what they leave).
void StoreTransposed(const float* t, int64_t ldt, int64_t m, int64_t n, float* c, int64_t ldc, float alpha,
                     float beta, const Epilogue& epilogue, Isa isa);
// Rows [i_begin, i_end) × columns [j_begin, j_end) of C.
void StoreTransposedScalar(const float* t, int64_t ldt, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end,
                           float* c, int64_t ldc, float alpha, float beta, const Epilogue& epilogue);
// Rows [0, m / 16 · 16) of C, every column, in 16×16 blocks (masked columns); returns the first row left.
int64_t StoreTransposedAvx512(const float* t, int64_t ldt, int64_t m, int64_t n, float* c, int64_t ldc, float alpha,
                              float beta, const Epilogue& epilogue);
// Rows [0, m) × columns [0, n) of C in 8×8 blocks, m and n multiples of 8 (AVX2's masked stores are slow on
// AMD, so the scalar loop takes the column tail).
void StoreTransposedAvx2(const float* t, int64_t ldt, int64_t m, int64_t n, float* c, int64_t ldc, float alpha,
                         float beta, const Epilogue& epilogue);

}  // namespace mlpe::gemm
