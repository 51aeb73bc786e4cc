#include "gemm/pack.hpp"

#include <algorithm>
#include <cstring>

namespace mlpe::gemm {

void PackA(const Args& args, int64_t ic, int64_t pc, int64_t m_cur, int64_t k_cur, int mr, float* dst) {
  for (int64_t ip = 0; ip * mr < m_cur; ++ip) {
    const int64_t i0 = ic + ip * mr;
    const int rows = static_cast<int>(std::min<int64_t>(mr, m_cur - ip * mr));
    float* panel = dst + ip * mr * k_cur;
    if (args.trans_a) {
      // A is stored k×m: each k step of the micro-panel is a contiguous run of `rows` floats.
      for (int64_t p = 0; p < k_cur; ++p) {
        const float* src = args.a + (pc + p) * args.lda + i0;
        float* out = panel + p * mr;
        std::memcpy(out, src, rows * sizeof(float));
        for (int i = rows; i < mr; ++i) out[i] = 0.0f;
      }
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
           int64_t jp_end, float* dst) {
  for (int64_t jp = jp_begin; jp < jp_end; ++jp) {
    const int64_t j0 = jc + jp * nr;
    const int cols = static_cast<int>(std::min<int64_t>(nr, n_cur - jp * nr));
    float* panel = dst + jp * nr * k_cur;
    if (!args.trans_b) {
      // B is stored k×n: each k step is a contiguous run of `cols` floats.
      for (int64_t p = 0; p < k_cur; ++p) {
        const float* src = args.b + (pc + p) * args.ldb + j0;
        float* out = panel + p * nr;
        std::memcpy(out, src, cols * sizeof(float));
        for (int j = cols; j < nr; ++j) out[j] = 0.0f;
      }
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
