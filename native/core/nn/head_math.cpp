#include "nn/head_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "hw/cpu.hpp"
#include "nn/head_math_x.hpp"

namespace mlpe::nn {

namespace {

// One float lane with the vector types' semantics (x86 maxps, blend on a > 0, cvtps2dq's INT_MIN for
// values out of range), so head_math_x.hpp's math gives the same bits here as on 8 or 16 lanes.
struct F32 {
  using Reg = float;
  static constexpr int kLanes = 1;
  static Reg Zero() { return 0.0f; }
  static Reg Set1(float x) { return x; }
  static Reg Load(const float* p) { return *p; }
  static void Store(float* p, Reg v) { *p = v; }
  static Reg Add(Reg x, Reg y) { return x + y; }
  static Reg Sub(Reg x, Reg y) { return x - y; }
  static Reg Mul(Reg x, Reg y) { return x * y; }
  static Reg Div(Reg x, Reg y) { return x / y; }
  static Reg Fmadd(Reg x, Reg y, Reg z) { return std::fma(x, y, z); }
  static Reg Max(Reg x, Reg y) { return x > y ? x : y; }
  static Reg SelectPositive(Reg a, Reg x, Reg y) { return a > 0.0f ? x : y; }
  static Reg RoundNearest(Reg x) { return std::nearbyint(x); }
  static Reg Pow2(Reg k) {
    const int32_t ki = k >= -2147483648.0f && k < 2147483648.0f ? static_cast<int32_t>(k) : INT32_MIN;
    const uint32_t bits = (static_cast<uint32_t>(ki) + 127u) << 23;
    float out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
  }
};

// The widest usable ISA's bodies; none (nullptr members) without AVX2 or off x86-64.
const HeadBodies& VectorBodies() {
#if defined(__x86_64__) || defined(_M_X64)
  static const HeadBodies bodies = hw::Cpu().UsableAvx512() ? HeadBodiesAvx512()
                                      : hw::Cpu().UsableAvx2() ? HeadBodiesAvx2()
                                                               : HeadBodies{};
#else
  static const HeadBodies bodies{};
#endif
  return bodies;
}

void Terms(Head head, const float* z, const float* p, const float* y, int64_t count, float scale, float* terms,
           float* dz) {
  const HeadBodies& vector = VectorBodies();
  const int64_t begin = vector.terms ? vector.terms(head, z, p, y, 0, count, scale, terms, dz) : 0;
  SigmoidTermsScalar(head, z, p, y, begin, count, scale, terms, dz);
}

}  // namespace

void SigmoidActivateScalar(const float* z, int64_t begin, int64_t end, float* p) { SigmoidActivateX<F32>(z, begin, end, p); }

void SigmoidTermsScalar(Head head, const float* z, const float* p, const float* y, int64_t begin, int64_t end, float scale,
                        float* terms, float* dz) {
  SigmoidTermsX<F32>(head, z, p, y, begin, end, scale, terms, dz);
}

void ExpNegScalar(float* a, int64_t begin, int64_t end) { ExpNegX<F32>(a, begin, end); }

void ExpNeg(float* a, int64_t count) {
  const HeadBodies& vector = VectorBodies();
  ExpNegScalar(a, vector.exp_neg ? vector.exp_neg(a, 0, count) : 0, count);
}

void SigmoidActivate(const float* z, int64_t count, float* p) {
  const HeadBodies& vector = VectorBodies();
  SigmoidActivateScalar(z, vector.activate ? vector.activate(z, 0, count, p) : 0, count, p);
}

double SigmoidLossAndGradient(Head head, const float* z, const float* p, const float* y, int64_t m, int64_t n, float* dz,
                              int64_t batch_rows) {
  const float inv_m = 1.0f / static_cast<float>(batch_rows > 0 ? batch_rows : m);
  const float inv_n = 1.0f / static_cast<float>(n);
  const float scale = head == Head::SigmoidBce ? inv_n * inv_m : 2.0f * inv_n * inv_m;
  constexpr int64_t kChunk = 1024;  // values per pass: the terms stay on the stack, nothing is allocated
  float terms[kChunk];
  const int64_t count = m * n;
  double total = 0, row = 0;
  int64_t column = 0;
  const auto term = [head](double t) { return head == Head::SigmoidBce ? t : t * t; };  // MSE squares the error
  for (int64_t begin = 0; begin < count; begin += kChunk) {
    const int64_t len = std::min(kChunk, count - begin);
    Terms(head, z + begin, p + begin, y + begin, len, scale, terms, dz ? dz + begin : nullptr);
    if (n == 1) {
      // One value per row: four running sums, so the double adds do not wait on one another in a chain
      // (a fixed order all the same: the loss repeats exactly for a given minibatch).
      double sums[4] = {0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 4 <= len; i += 4)
        for (int s = 0; s < 4; ++s) sums[s] += term(terms[i + s]);
      for (; i < len; ++i) sums[0] += term(terms[i]);
      total += (sums[0] + sums[1]) + (sums[2] + sums[3]);
      continue;
    }
    for (int64_t i = 0; i < len; ++i) {
      row += term(terms[i]);
      if (++column < n) continue;
      row /= static_cast<double>(n);
      total += row;
      row = 0, column = 0;
    }
  }
  return total;
}

}  // namespace mlpe::nn
