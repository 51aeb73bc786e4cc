// AVX-512 bodies of pack.hpp's vector packing, 16 lanes. Panels whose memory order is their transpose
// (A not transposed, B transposed): 16×16 blocks are transposed in registers instead of moved one float at
// a time (the scalar loop costs ~1 ns per float, as much as the micro-kernel on small BUTTER layers).
#include <algorithm>

#include "gemm/pack.hpp"
#include "gemm/transpose16_avx512.hpp"

namespace mlpe::gemm {

void PackTransposedAvx512(const float* src, int64_t ld, int rows, int64_t k, float* dst, int dst_stride, int lanes) {
  const __mmask16 lane_mask = static_cast<__mmask16>((1u << lanes) - 1);
  __m512 r[16];
  for (int64_t p0 = 0; p0 < k; p0 += 16) {
    const int cols = static_cast<int>(std::min<int64_t>(16, k - p0));
    const __mmask16 col_mask = static_cast<__mmask16>((1u << cols) - 1);
    for (int i = 0; i < 16; ++i)
      r[i] = i < rows ? _mm512_maskz_loadu_ps(col_mask, src + i * ld + p0) : _mm512_setzero_ps();
    Transpose16(r);
    for (int p = 0; p < cols; ++p) _mm512_mask_storeu_ps(dst + (p0 + p) * dst_stride, lane_mask, r[p]);
  }
}

void PackRowsAvx512(const float* src, int64_t ld, int cols, int64_t k, float* dst, int dst_stride, int lanes) {
  for (int j = 0; j < lanes; j += 16) {
    const int valid = std::clamp(cols - j, 0, 16), width = std::min(lanes - j, 16);
    const __mmask16 load_mask = static_cast<__mmask16>((1u << valid) - 1);
    const __mmask16 store_mask = static_cast<__mmask16>((1u << width) - 1);
    for (int64_t p = 0; p < k; ++p)
      _mm512_mask_storeu_ps(dst + p * dst_stride + j, store_mask, _mm512_maskz_loadu_ps(load_mask, src + p * ld + j));
  }
}

}  // namespace mlpe::gemm
