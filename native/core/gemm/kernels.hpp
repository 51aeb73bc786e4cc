// Micro-kernels: one MR×NR tile of C from an MR-tall packed micro-panel of A and an NR-wide packed
// micro-panel of B (BLIS's gemm microkernel contract, row-major C):
//   C[0:MR, 0:NR] := alpha · A_panel · B_panel + beta · C,  with C never read when beta == 0.
// a: kc columns of MR contiguous floats; b: kc rows of NR contiguous floats (64-byte aligned);
// rs_c: row stride of C. Edge tiles are handled by the caller (see macro_kernel.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include "gemm/tiling.hpp"

namespace mlpe::gemm {

using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t rs_c, float alpha,
                               float beta);

// What one unpacked call writes: C := alpha·A·B + beta·C on the tile's valid columns (B is read and C
// written masked past them, so edge tiles need no scratch tile) and, on the last kc block, the epilogue,
// applied in registers before the store: C += bias (per column), then ReLU. alpha and beta travel here,
// in memory, rather than as arguments: read only by the store, they would otherwise hold two of AVX2's 16
// registers through the k loop and push an accumulator onto the stack.
struct SupTile {
  int cols;                     // 1 ≤ cols ≤ nr
  float alpha = 1.0f, beta = 0.0f;  // beta == 0: C is not read (it may hold NaN)
  const float* bias = nullptr;  // bias for these columns, or nullptr
  bool relu = false;
  // Epilogue::gate at the tile's first row and column (row stride ldgate), and Epilogue::column_sums at
  // its first column: the tile adds its rows, in order, to the sums of the rows above it.
  const float* gate = nullptr;
  int64_t ldgate = 0;
  float* column_sums = nullptr;
};

// Unpacked ("sup", BLIS's small/skinny path) variant of the tile, for `rows` ≤ mr rows: A read in place,
// with A(i, p) = a[i·lda + p] (rows: A stored m×k) or a[p·lda + i] (cols: A stored k×m), and B rows at
// b + p·ldb (B stored k×n, or a packed micro-panel with ldb = nr; without sup_masked_b all nr columns of
// each B row are read, so edge panels come packed). Only the rows × tile.cols corner of C is read or
// written.
using SupKernelFn = void (*)(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                             int64_t rs_c, const SupTile& tile);

// Thin kernels (thin_x.hpp) for the tile.cols = w ≤ lanes/4 columns of C past its last whole vector, over
// rows [0, m) and the whole k, with tile's alpha, beta and epilogue (bias and c at the first of the w
// columns). dot: A stored m×k (A(i, p) = a[i·lda + p]) and B's columns as rows bt + j·ldbt, contiguous
// along k. axpy: A stored k×m (a[p·lda + i]), B(p, j) = b[p·b_rs + j·b_cs].
using ThinDotFn = void (*)(int64_t m, int64_t k, const float* a, int64_t lda, const float* bt, int64_t ldbt, float* c,
                           int64_t ldc, const SupTile& tile);
using ThinAxpyFn = void (*)(int64_t m, int64_t k, const float* a, int64_t lda, const float* b, int64_t b_rs,
                            int64_t b_cs, float* c, int64_t ldc, const SupTile& tile);

struct MicroKernel {
  Isa isa;
  int mr, nr;
  const char* name;  // "sgemm_avx512_12x32", ...
  MicroKernelFn fn;
  // The unpacked variants by height: sup_rows[h] computes h rows (1 ≤ h ≤ mr), so an edge of m needs
  // neither packing nor wasted FMAs. nullptr: this kernel has no unpacked variant.
  const SupKernelFn* sup_rows = nullptr;
  const SupKernelFn* sup_cols = nullptr;
  // Whether the unpacked kernels load B's edge columns masked, so an edge panel is read in place; else
  // the caller packs it zero-padded to nr.
  bool sup_masked_b = false;
  // The thin kernels for columns overhanging the last whole vector; nullptr: none.
  ThinDotFn thin_dot = nullptr;
  ThinAxpyFn thin_axpy = nullptr;
};

// Every kernel compiled into this build (ISA files are absent off x86).
const std::vector<MicroKernel>& MicroKernels();

// The kernel for (isa, mr, nr), or nullptr when that ISA does not offer the tile.
const MicroKernel* FindMicroKernel(Isa isa, int mr, int nr);

// Per-ISA lists, defined in the ISA's own file (ukernel_ref.cpp, ukernel_avx2.cpp, ukernel_avx512.cpp).
std::vector<MicroKernel> ReferenceMicroKernels();
std::vector<MicroKernel> Avx2MicroKernels();
std::vector<MicroKernel> Avx512MicroKernels();

}  // namespace mlpe::gemm
