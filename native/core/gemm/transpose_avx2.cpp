// StoreTransposed's AVX2 body: 8 rows of C at a time, each 8-column block an 8×8 transpose in registers,
// then the rows' alpha, beta and epilogue in the scalar store's operations and order (mul, add, + bias,
// max with 0). Whole blocks only: the caller's scalar loop takes the last m % 8 rows and n % 8 columns.
#include "common/simd_avx2.hpp"
#include "gemm/transpose8_avx2.hpp"
#include "gemm/transposed_c.hpp"

namespace mlpe::gemm {

void StoreTransposedAvx2(const float* t, int64_t ldt, int64_t m, int64_t n, float* c, int64_t ldc, float alpha,
                         float beta, const Epilogue& epilogue) {
  const Ymm::Reg va = Ymm::Set1(alpha), vb = Ymm::Set1(beta), zero = Ymm::Zero();
  for (int64_t j0 = 0; j0 < n; j0 += 8) {
    const Ymm::Reg bias = epilogue.bias ? Ymm::Load(epilogue.bias + j0) : zero;
    for (int64_t i0 = 0; i0 < m; i0 += 8) {
      __m256 r[8];
      for (int j = 0; j < 8; ++j) r[j] = Ymm::Load(t + (j0 + j) * ldt + i0);
      Transpose8(r);
      for (int i = 0; i < 8; ++i) {
        float* ci = c + (i0 + i) * ldc + j0;
        Ymm::Reg x = Ymm::Mul(va, r[i]);
        if (beta != 0.0f) x = Ymm::Add(x, Ymm::Mul(vb, Ymm::Load(ci)));
        if (epilogue.bias) x = Ymm::Add(x, bias);
        if (epilogue.relu) x = Ymm::Max(x, zero);
        Ymm::Store(ci, x);
      }
    }
  }
}

}  // namespace mlpe::gemm
