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

}  // namespace mlpe::gemm
