// Portable reference micro-kernels: plain loops, any compiler, any CPU. They are the oracle the fast
// kernels are tested against at identical tile shapes, so they exist for every shape a fast ISA offers.
#include "gemm/kernels.hpp"

namespace mlpe::gemm {

namespace {

template <int MR, int NR>
void sgemm_ref(int64_t kc, const float* a, const float* b, float* c, int64_t rs_c, float alpha, float beta) {
  float ab[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) ab[i][j] += a[p * MR + i] * b[p * NR + j];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      float& cij = c[i * rs_c + j];
      cij = beta == 0.0f ? alpha * ab[i][j] : alpha * ab[i][j] + beta * cij;  // beta == 0: C not read
    }
}

}  // namespace

std::vector<MicroKernel> ReferenceMicroKernels() {
  return {
      {Isa::Reference, 4, 4, "sgemm_ref_4x4", sgemm_ref<4, 4>},
      {Isa::Reference, 6, 16, "sgemm_ref_6x16", sgemm_ref<6, 16>},
      {Isa::Reference, 6, 32, "sgemm_ref_6x32", sgemm_ref<6, 32>},
      {Isa::Reference, 8, 32, "sgemm_ref_8x32", sgemm_ref<8, 32>},
      {Isa::Reference, 12, 32, "sgemm_ref_12x32", sgemm_ref<12, 32>},
      {Isa::Reference, 14, 32, "sgemm_ref_14x32", sgemm_ref<14, 32>},
  };
}

}  // namespace mlpe::gemm
