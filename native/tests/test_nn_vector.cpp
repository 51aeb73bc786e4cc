// The AVX-512 bodies of the training step's elementwise work (Adam, the ReLU mask with the bias
// gradient) must give bit-identical results to their scalar loops, so a run's losses do not depend on
// the CPU's ISA. Lengths cover the 16-lane blocks and every tail; values include zeros, −0 and NaN.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "expect.hpp"
#include "hw/cpu.hpp"
#include "nn/adam.hpp"
#include "nn/dense_backward.hpp"

using namespace mlpe::nn;
using mlpe::test::checks;
using mlpe::test::failures;

#if defined(__x86_64__) || defined(_M_X64)
namespace {

std::mt19937 rng(7);

std::vector<float> Random(size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void Adam() {
  for (const int64_t n : {1, 15, 16, 17, 1000, 1031}) {
    const auto g = Random(n, -1, 1);
    auto m1 = Random(n, -0.1f, 0.1f), m2 = Random(n, 0, 0.01f), theta = Random(n, -1, 1);
    auto m1s = m1, m2s = m2, thetas = theta;
    const AdamFactors<float> f{3e-4f, 0.9f, 0.999f, 1e-7f};
    for (int step = 0; step < 3; ++step) {
      const int64_t tail = AdamUpdateAvx512(f, g.data(), m1.data(), m2.data(), theta.data(), 0, n);
      EXPECT(tail == n / 16 * 16, "the vector body stops at the last whole 16 (n=%lld)", static_cast<long long>(n));
      AdamUpdateScalar(f, g.data(), m1.data(), m2.data(), theta.data(), tail, n);
      AdamUpdateScalar(f, g.data(), m1s.data(), m2s.data(), thetas.data(), 0, n);
    }
    EXPECT(SameBits(theta, thetas) && SameBits(m1, m1s) && SameBits(m2, m2s), "Adam n=%lld: vector == scalar",
           static_cast<long long>(n));
  }
}

void MaskAndBias() {
  for (const int64_t width : {1, 10, 16, 59, 64, 701})
    for (const bool masked : {false, true}) {
      const int64_t m = 37;
      auto g = Random(m * width, -1, 1);
      auto a = Random(m * width, -1, 1);
      a[0] = -0.0f, a[1 % a.size()] = 0.0f, a[2 % a.size()] = std::nanf("");
      auto gs = g;
      std::vector<float> db(width, 123.0f), dbs(width, -7.0f);
      MaskAndBiasGradientAvx512(g.data(), masked ? a.data() : nullptr, m, width, db.data());
      MaskAndBiasGradientScalar(gs.data(), masked ? a.data() : nullptr, m, width, dbs.data());
      EXPECT(SameBits(g, gs) && SameBits(db, dbs), "mask+bias width=%lld masked=%d: vector == scalar",
             static_cast<long long>(width), masked);
    }
}

}  // namespace
#endif

int main() {
#if !(defined(__x86_64__) || defined(_M_X64))
  std::printf("skipped: the AVX-512 bodies exist on x86-64 only\n");
  return 77;
#endif
  if (!mlpe::hw::Cpu().UsableAvx512()) {
    std::printf("skipped: this CPU has no usable AVX-512\n");
    return 77;
  }
#if defined(__x86_64__) || defined(_M_X64)
  Adam();
  MaskAndBias();
#endif
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
