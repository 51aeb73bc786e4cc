// The in-register 8×8 float transpose the AVX2 files share (pack_avx2.cpp's transposed panels,
// transpose_avx2.cpp's transposing store). Include it only from files compiled with AVX2 flags; the
// anonymous namespace keeps each copy inside its own file's -m flags (see common/simd_avx2.hpp).
#pragma once
#include <immintrin.h>

namespace mlpe::gemm {
namespace {

// In-register 8×8 transpose: unpack ps, shuffle pairs, then swap 128-bit halves.
inline void Transpose8(__m256 r[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
  }
}

}  // namespace
}  // namespace mlpe::gemm
