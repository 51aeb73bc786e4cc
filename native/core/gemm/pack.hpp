// Packing (BLIS "packm"): copies a block of op(A) into mr-tall micro-panels and a panel of op(B) into
// nr-wide micro-panels, each stored k-major so the micro-kernel reads both with unit stride; partial
// panels are zero-padded so the kernel always computes a full mr×nr tile.
#pragma once
#include <cstdint>

#include "gemm/gemm.hpp"

namespace mlpe::gemm {

// op(A)[ic : ic+m_cur, pc : pc+k_cur] -> ceil(m_cur/mr) micro-panels of k_cur×mr floats.
// isa avx2/avx512: vector bodies (below) where the CPU has them — callers pass the validated tiling's isa.
void PackA(const Args& args, int64_t ic, int64_t pc, int64_t m_cur, int64_t k_cur, int mr, float* dst,
           Isa isa = Isa::Reference);

// Micro-panels [jp_begin, jp_end) of op(B)[pc : pc+k_cur, jc : jc+n_cur] -> k_cur×nr floats each, at
// dst + jp·k_cur·nr (threads pack disjoint ranges of one shared panel).
void PackB(const Args& args, int64_t pc, int64_t jc, int64_t k_cur, int64_t n_cur, int nr, int64_t jp_begin,
           int64_t jp_end, float* dst, Isa isa = Isa::Reference);

// The vector bodies, one pair per ISA file (pack_avx2.cpp, pack_avx512.cpp; x86-64 builds only), same
// contract at every width:
// Transposed: dst[p·dst_stride + r] = src[r·ld + p] for r < rows, 0 for rows ≤ r < lanes, p < k
// (rows ≤ lanes ≤ the ISA's width): the panels whose memory order is their transpose (A not transposed,
// B transposed), transposed in registers instead of moved one float at a time.
// Rows: dst[p·dst_stride + j] = src[p·ld + j] for j < cols, 0 for cols ≤ j < lanes, p < k (any lanes):
// the panels already in memory order, with vector moves instead of a memcpy call per k step.
using PackTransposedFn = void (*)(const float* src, int64_t ld, int rows, int64_t k, float* dst, int dst_stride,
                                  int lanes);
using PackRowsFn = void (*)(const float* src, int64_t ld, int cols, int64_t k, float* dst, int dst_stride, int lanes);
void PackTransposedAvx2(const float* src, int64_t ld, int rows, int64_t k, float* dst, int dst_stride, int lanes);
void PackRowsAvx2(const float* src, int64_t ld, int cols, int64_t k, float* dst, int dst_stride, int lanes);
void PackTransposedAvx512(const float* src, int64_t ld, int rows, int64_t k, float* dst, int dst_stride, int lanes);
void PackRowsAvx512(const float* src, int64_t ld, int cols, int64_t k, float* dst, int dst_stride, int lanes);

}  // namespace mlpe::gemm
