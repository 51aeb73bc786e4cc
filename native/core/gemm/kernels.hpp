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

// Unpacked ("sup", BLIS's small/skinny path) variant of the same tile: A read in place, with
// A(i, p) = a[i·lda + p] (rows: A stored m×k) or a[p·lda + i] (cols: A stored k×m), and B rows at
// b + p·ldb (B stored k×n, or a packed micro-panel with ldb = nr). Same alpha/beta contract.
using SupKernelFn = void (*)(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                             int64_t rs_c, float alpha, float beta);

struct MicroKernel {
  Isa isa;
  int mr, nr;
  const char* name;  // "sgemm_avx512_12x32", ...
  MicroKernelFn fn;
  SupKernelFn sup_rows = nullptr;  // nullptr: this kernel has no unpacked variant
  SupKernelFn sup_cols = nullptr;
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
