// The macro-kernel: BLIS's 2nd (jr, over n by nr) and 1st (ir, over m by mr) loops around the
// micro-kernel, for one packed mc×kc block of A and one packed kc×nc panel of B.
#pragma once
#include <cstdint>

#include "gemm/gemm.hpp"
#include "gemm/kernels.hpp"

namespace mlpe::gemm {

struct MacroBlock {
  const float* a_packed;  // ceil(m_cur/mr) micro-panels of k_cur×mr
  const float* b_packed;  // micro-panels of k_cur×nr
  int64_t m_cur, n_cur, k_cur;
  int64_t jp_begin, jp_end;  // the B micro-panels this thread covers
  float* c;                  // C at (ic, jc)
  int64_t ldc;
  float alpha, beta;         // beta: the caller's on the first kc block, 1 afterwards
  const float* bias;         // bias + jc when the epilogue runs (last kc block), else nullptr
  bool relu;                 // ReLU when the epilogue runs (last kc block)
};

void MacroKernel(const MicroKernel& ukr, const MacroBlock& blk);

// Edge tile: the valid rows×cols of a full mr×nr tile computed into `edge` (row stride nr) merged into
// C as edge + beta·C (beta == 0: C not read).
void MergeEdge(const float* edge, int nr, float* c, int64_t ldc, int rows, int cols, float beta);

// Fused epilogue on a finished tile, while it is still in L1: C += bias (per column), then ReLU.
void ApplyEpilogue(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu);

// The same two, 16 columns at a time (tile_avx512.cpp; x86-64 only, used when cpuid says AVX-512 is usable).
void MergeEdgeAvx512(const float* edge, int nr, float* c, int64_t ldc, int rows, int cols, float beta);
void ApplyEpilogueAvx512(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu);
// And 8 columns at a time (tile_avx2.cpp; x86-64 only, used when cpuid says AVX2 but not AVX-512).
void MergeEdgeAvx2(const float* edge, int nr, float* c, int64_t ldc, int rows, int cols, float beta);
void ApplyEpilogueAvx2(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu);

// Splits a team into ic_ways × jr_ways minimising the largest per-thread share of micro-tiles. When the
// team shares a packed B panel (`shared_b`), column ways win ties and row ways must beat them by more
// than a quarter: with column ways each thread packs and reads only its own B micro-panels, so the panel
// never crosses cores. Otherwise (the unpacked path, which shares nothing) ties go to row ways, whose
// threads each read only their own rows of A.
void SplitTeam(int team, int64_t m_iter, int64_t n_iter, bool shared_b, int* ic_ways, int* jr_ways);

constexpr int kMaxTile = 16 * 64;  // the largest mr·nr any kernel offers, with room to spare

}  // namespace mlpe::gemm
