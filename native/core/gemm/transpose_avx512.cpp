// StoreTransposed's AVX-512 body: 16 rows of C at a time, each 16-column block a 16×16 transpose in
// registers (the 4-stage unpack/shuffle network), then the rows' alpha, beta and epilogue in the scalar
// store's operations and order (mul, add, + bias, max with 0), stored under a mask of the block's columns.
#include <algorithm>

#include "common/simd_avx512.hpp"
#include "gemm/transpose16_avx512.hpp"
#include "gemm/transposed_c.hpp"

namespace mlpe::gemm {

int64_t StoreTransposedAvx512(const float* t, int64_t ldt, int64_t m, int64_t n, float* c, int64_t ldc, float alpha,
                              float beta, const Epilogue& epilogue) {
  const Zmm::Reg va = Zmm::Set1(alpha), vb = Zmm::Set1(beta), zero = Zmm::Zero();
  const int64_t rows = m / 16 * 16;
  for (int64_t j0 = 0; j0 < n; j0 += 16) {
    const int cols = static_cast<int>(std::min<int64_t>(16, n - j0));
    const Zmm::Mask mask = cols == 16 ? Zmm::Mask(0xffff) : Zmm::Tail(cols);
    const Zmm::Reg bias = epilogue.bias ? Zmm::MaskLoad(mask, epilogue.bias + j0) : zero;
    for (int64_t i0 = 0; i0 < rows; i0 += 16) {
      __m512 r[16];
      for (int j = 0; j < 16; ++j) r[j] = j < cols ? Zmm::Load(t + (j0 + j) * ldt + i0) : zero;
      Transpose16(r);
      for (int i = 0; i < 16; ++i) {
        float* ci = c + (i0 + i) * ldc + j0;
        Zmm::Reg x = Zmm::Mul(va, r[i]);
        if (beta != 0.0f) x = Zmm::Add(x, Zmm::Mul(vb, Zmm::MaskLoad(mask, ci)));
        if (epilogue.bias) x = Zmm::Add(x, bias);
        if (epilogue.relu) x = Zmm::Max(x, zero);
        Zmm::MaskStore(ci, mask, x);
      }
    }
  }
  return rows;
}

}  // namespace mlpe::gemm
