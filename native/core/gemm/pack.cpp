#include "gemm/pack.hpp"

#include <algorithm>
#include <cstring>

namespace mlpe::gemm {

namespace {

struct VectorPack {
  int width;  // floats per vector: the most lanes one transposed call fills
  PackTransposedFn transposed;
  PackRowsFn rows;
};

// The ISA's vector bodies, or nullptr for the scalar loops (reference, or no x86 build).
const VectorPack* VectorPackFor(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  static const VectorPack avx2{8, PackTransposedAvx2, PackRowsAvx2}, avx512{16, PackTransposedAvx512, PackRowsAvx512};
  if (isa == Isa::Avx512) return &avx512;
  if (isa == Isa::Avx2) return &avx2;
#else
  (void)isa;
#endif
  return nullptr;
}

// A micro-panel `lanes` wide from `rows` source rows of length k (the transpose of memory order), one
// vector width of its columns at a time.
void PackTransposedPanel(const VectorPack& v, const float* src, int64_t ld, int rows, int64_t k, float* panel,
                         int lanes) {
  for (int j = 0; j < lanes; j += v.width)
    v.transposed(src + j * ld, ld, std::clamp(rows - j, 0, v.width), k, panel + j, lanes, std::min(lanes - j, v.width));
}

// From this row stride of B (floats) PackB walks k steps across all micro-panels (see there).
constexpr int64_t kRowOrderLdb = 512;

}  // namespace

void PackA(const Args& args, int64_t ic, int64_t pc, int64_t m_cur, int64_t k_cur, int mr, float* dst, Isa isa) {
  const VectorPack* vec = VectorPackFor(isa);
  for (int64_t ip = 0; ip * mr < m_cur; ++ip) {
    const int64_t i0 = ic + ip * mr;
    const int rows = static_cast<int>(std::min<int64_t>(mr, m_cur - ip * mr));
    float* panel = dst + ip * mr * k_cur;
    if (args.trans_a && vec) {
      vec->rows(args.a + pc * args.lda + i0, args.lda, rows, k_cur, panel, mr, mr);
    } else if (args.trans_a) {
      // A is stored k×m: each k step of the micro-panel is a contiguous run of `rows` floats.
      for (int64_t p = 0; p < k_cur; ++p) {
        const float* src = args.a + (pc + p) * args.lda + i0;
        float* out = panel + p * mr;
        std::memcpy(out, src, rows * sizeof(float));
        for (int i = rows; i < mr; ++i) out[i] = 0.0f;
      }
    } else if (vec) {
      PackTransposedPanel(*vec, args.a + i0 * args.lda + pc, args.lda, rows, k_cur, panel, mr);
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
           int64_t jp_end, float* dst, Isa isa) {
  const VectorPack* vec = VectorPackFor(isa);
  if (!args.trans_b && vec && args.ldb >= kRowOrderLdb) {
    // B is stored k×n with long rows: a few k steps across all the micro-panels at a time, so each
    // source row is read left to right. A panel at a time, each k step is an nr-float piece of a row
    // ldb apart, which the hardware prefetchers do not follow (measured, kc = 256: 2.6× slower at
    // ldb = 2048, 1.2× at 512; at ldb ≤ 256 the extra calls cost ~7% instead).
    constexpr int64_t kSteps = 8;
    for (int64_t p0 = 0; p0 < k_cur; p0 += kSteps) {
      const int64_t steps = std::min(kSteps, k_cur - p0);
      for (int64_t jp = jp_begin; jp < jp_end; ++jp) {
        const int cols = static_cast<int>(std::min<int64_t>(nr, n_cur - jp * nr));
        vec->rows(args.b + (pc + p0) * args.ldb + jc + jp * nr, args.ldb, cols, steps,
                  dst + jp * nr * k_cur + p0 * nr, nr, nr);
      }
    }
    return;
  }
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
    } else if (vec) {
      PackTransposedPanel(*vec, args.b + j0 * args.ldb + pc, args.ldb, cols, k_cur, panel, nr);
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
