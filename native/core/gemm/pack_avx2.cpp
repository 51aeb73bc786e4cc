// AVX2 bodies of pack.hpp's vector packing, 8 lanes: 8×8 blocks of the transposed panels are transposed in
// registers, rows move 8 floats at a time; masked loads (vmaskmovps) cover the k and column tails.
// Masked stores are slow on AMD Zen (microcoded), so a row narrower than 8 lanes (A's 6-tall micro-panels)
// is written with a full 8-lane store whose extra lanes the following k steps overwrite; only the last k
// steps, whose full store would reach past the panel, use a masked store.
#include <immintrin.h>

#include <algorithm>

#include "gemm/pack.hpp"
#include "gemm/transpose8_avx2.hpp"

namespace mlpe::gemm {

namespace {

// All-ones in the first n lanes (0 ≤ n ≤ 8).
__m256i FirstLanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Writes the first `lanes` floats of v to dst. `spill`: the 8 − lanes floats after them belong to later k
// steps of this panel, which are written afterwards, so a plain store is safe.
inline void StoreLanes(float* dst, __m256 v, int lanes, __m256i mask, bool spill) {
  if (lanes == 8 || spill) _mm256_storeu_ps(dst, v);
  else _mm256_maskstore_ps(dst, mask, v);
}

}  // namespace

void PackTransposedAvx2(const float* src, int64_t ld, int rows, int64_t k, float* dst, int dst_stride, int lanes) {
  const __m256i lane_mask = FirstLanes(lanes);
  // Consecutive k steps adjacent: a full store at step p stays inside the panel while p·lanes + 8 ≤ k·lanes.
  const int64_t spill_end = dst_stride == lanes ? k * lanes - 8 : -1;
  __m256 r[8];
  for (int64_t p0 = 0; p0 < k; p0 += 8) {
    const int cols = static_cast<int>(std::min<int64_t>(8, k - p0));
    if (cols == 8) {
      for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_loadu_ps(src + i * ld + p0) : _mm256_setzero_ps();
    } else {
      const __m256i col_mask = FirstLanes(cols);
      for (int i = 0; i < 8; ++i)
        r[i] = i < rows ? _mm256_maskload_ps(src + i * ld + p0, col_mask) : _mm256_setzero_ps();
    }
    Transpose8(r);
    for (int p = 0; p < cols; ++p)
      StoreLanes(dst + (p0 + p) * dst_stride, r[p], lanes, lane_mask, (p0 + p) * lanes <= spill_end);
  }
}

void PackRowsAvx2(const float* src, int64_t ld, int cols, int64_t k, float* dst, int dst_stride, int lanes) {
  for (int j = 0; j < lanes; j += 8) {
    const int valid = std::clamp(cols - j, 0, 8), width = std::min(lanes - j, 8);
    const __m256i load_mask = FirstLanes(valid), store_mask = FirstLanes(width);
    const int64_t spill_end = dst_stride == width ? k * width - 8 : -1;  // as in PackTransposedAvx2
    const float* s = src + j;
    float* d = dst + j;
    if (valid == 8) {
      for (int64_t p = 0; p < k; ++p) _mm256_storeu_ps(d + p * dst_stride, _mm256_loadu_ps(s + p * ld));
    } else {
      for (int64_t p = 0; p < k; ++p)
        StoreLanes(d + p * dst_stride, valid ? _mm256_maskload_ps(s + p * ld, load_mask) : _mm256_setzero_ps(), width,
                   store_mask, p * width <= spill_end);
    }
  }
}

}  // namespace mlpe::gemm
