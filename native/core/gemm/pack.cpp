#include "gemm/pack.hpp"

#include <algorithm>
#include <cstring>

namespace mlpe::gemm {

#if defined(__x86_64__) || defined(_M_X64)
constexpr bool kHaveAvx512Pack = true;
#else
constexpr bool kHaveAvx512Pack = false;
inline void PackTransposedAvx512(const float*, int64_t, int, int64_t, float*, int, int) {}
inline void PackRowsAvx512(const float*, int64_t, int, int64_t, float*, int, int) {}
#endif

void PackA(const Args& args, int64_t ic, int64_t pc, int64_t m_cur, int64_t k_cur, int mr, float* dst, bool avx512) {
  for (int64_t ip = 0; ip * mr < m_cur; ++ip) {
    const int64_t i0 = ic + ip * mr;
    const int rows = static_cast<int>(std::min<int64_t>(mr, m_cur - ip * mr));
    float* panel = dst + ip * mr * k_cur;
    if (args.trans_a && kHaveAvx512Pack && avx512) {
      PackRowsAvx512(args.a + pc * args.lda + i0, args.lda, rows, k_cur, panel, mr, mr);
    } else if (args.trans_a) {
      // A is stored k×m: each k step of the micro-panel is a contiguous run of `rows` floats.
      for (int64_t p = 0; p < k_cur; ++p) {
        const float* src = args.a + (pc + p) * args.lda + i0;
        float* out = panel + p * mr;
        std::memcpy(out, src, rows * sizeof(float));
        for (int i = rows; i < mr; ++i) out[i] = 0.0f;
      }
    } else if (kHaveAvx512Pack && avx512 && mr <= 16) {
      PackTransposedAvx512(args.a + i0 * args.lda + pc, args.lda, rows, k_cur, panel, mr, mr);
    } else {
      // A is stored m×k: read each row contiguously, write it with stride mr (a transpose).
      for (int i = 0; i < rows; ++i) {
        const float* src = args.a + (i0 + i) * args.lda + pc;
        for (int64_t p = 0; p < k_cur; ++p) panel[p * mr + i] = src[p];
      }
      for (int i = rows; i < mr; ++i)
        for (int64_t p = 0; p < k_cur; ++p) panel[p * mr + i] = 0.0f;
    }
  }
}

void PackB(const Args& args, int64_t pc, int64_t jc, int64_t k_cur, int64_t n_cur, int nr, int64_t jp_begin,
           int64_t jp_end, float* dst, bool avx512) {
  for (int64_t jp = jp_begin; jp < jp_end; ++jp) {
    const int64_t j0 = jc + jp * nr;
    const int cols = static_cast<int>(std::min<int64_t>(nr, n_cur - jp * nr));
    float* panel = dst + jp * nr * k_cur;
    if (!args.trans_b && kHaveAvx512Pack && avx512) {
      PackRowsAvx512(args.b + pc * args.ldb + j0, args.ldb, cols, k_cur, panel, nr, nr);
    } else if (!args.trans_b) {
      // B is stored k×n: each k step is a contiguous run of `cols` floats.
      for (int64_t p = 0; p < k_cur; ++p) {
        const float* src = args.b + (pc + p) * args.ldb + j0;
        float* out = panel + p * nr;
        std::memcpy(out, src, cols * sizeof(float));
        for (int j = cols; j < nr; ++j) out[j] = 0.0f;
      }
    } else if (kHaveAvx512Pack && avx512 && nr % 16 == 0) {
      // 16 columns of the panel at a time, each a 16-lane slice of every k step.
      for (int j = 0; j < nr; j += 16)
        PackTransposedAvx512(args.b + (j0 + j) * args.ldb + pc, args.ldb, std::clamp(cols - j, 0, 16), k_cur,
                             panel + j, nr, 16);
    } else {
      // B is stored n×k: read each of the panel's columns contiguously, write with stride nr.
      for (int j = 0; j < cols; ++j) {
        const float* src = args.b + (j0 + j) * args.ldb + pc;
        for (int64_t p = 0; p < k_cur; ++p) panel[p * nr + j] = src[p];
      }
      for (int j = cols; j < nr; ++j)
        for (int64_t p = 0; p < k_cur; ++p) panel[p * nr + j] = 0.0f;
    }
  }
}

}  // namespace mlpe::gemm
