// Packing (BLIS "packm"): copies a block of op(A) into mr-tall micro-panels and a panel of op(B) into
// nr-wide micro-panels, each stored k-major so the micro-kernel reads both with unit stride; partial
// panels are zero-padded so the kernel always computes a full mr×nr tile.
#pragma once
#include <cstdint>

#include "gemm/gemm.hpp"

namespace mlpe::gemm {

// op(A)[ic : ic+m_cur, pc : pc+k_cur] -> ceil(m_cur/mr) micro-panels of k_cur×mr floats.
void PackA(const Args& args, int64_t ic, int64_t pc, int64_t m_cur, int64_t k_cur, int mr, float* dst);

// Micro-panels [jp_begin, jp_end) of op(B)[pc : pc+k_cur, jc : jc+n_cur] -> k_cur×nr floats each, at
// dst + jp·k_cur·nr (threads pack disjoint ranges of one shared panel).
void PackB(const Args& args, int64_t pc, int64_t jc, int64_t k_cur, int64_t n_cur, int nr, int64_t jp_begin,
           int64_t jp_end, float* dst);

}  // namespace mlpe::gemm
