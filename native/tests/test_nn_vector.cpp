// The AVX-512 and AVX2 bodies of the training step's elementwise work (Adam, the ReLU mask with the bias
// gradient, the fused one-unit output backward) must give bit-identical results to their scalar loops, so a run's losses do not depend on
// the CPU's ISA. Lengths cover the 8/16-lane blocks and every tail; values include zeros, −0 and NaN. The
// sigmoid heads likewise, with logits across exp's whole range, saturation, ±0 and NaN.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <random>
#include <vector>

#include "expect.hpp"
#include "hw/cpu.hpp"
#include "nn/adam.hpp"
#include "nn/dense_backward.hpp"
#include "nn/head_math.hpp"

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

using AdamBody = int64_t (*)(const AdamFactors<float>&, const float*, float*, float*, float*, int64_t, int64_t);
using MaskBody = void (*)(float*, const float*, int64_t, int64_t, float*);
using OutputUnitBody = void (*)(const float*, const float*, const float*, const float*, int64_t, int64_t, float*, float*,
                                float*, float*, float*);

void AdamVector(const char* isa, AdamBody body, int64_t lanes) {
  for (const int64_t n : {1, 15, 16, 17, 1000, 1031}) {
    const auto g = Random(n, -1, 1);
    auto m1 = Random(n, -0.1f, 0.1f), m2 = Random(n, 0, 0.01f), theta = Random(n, -1, 1);
    auto m1s = m1, m2s = m2, thetas = theta;
    const AdamFactors<float> f{3e-4f, 0.9f, 0.999f, 1e-7f};
    for (int step = 0; step < 3; ++step) {
      const int64_t tail = body(f, g.data(), m1.data(), m2.data(), theta.data(), 0, n);
      EXPECT(tail == n / lanes * lanes, "%s: the vector body stops at the last whole %lld (n=%lld)", isa,
             static_cast<long long>(lanes), static_cast<long long>(n));
      AdamUpdateScalar(f, g.data(), m1.data(), m2.data(), theta.data(), tail, n);
      AdamUpdateScalar(f, g.data(), m1s.data(), m2s.data(), thetas.data(), 0, n);
    }
    EXPECT(SameBits(theta, thetas) && SameBits(m1, m1s) && SameBits(m2, m2s), "%s Adam n=%lld: vector == scalar",
           isa, static_cast<long long>(n));
  }
}

void MaskAndBias(const char* isa, MaskBody body) {
  for (const int64_t width : {1, 2, 6, 10, 14, 16, 59, 64, 701})
    for (const bool masked : {false, true}) {
      const int64_t m = 37;
      auto g = Random(m * width, -1, 1);
      auto a = Random(m * width, -1, 1);
      a[0] = -0.0f, a[1 % a.size()] = 0.0f, a[2 % a.size()] = std::nanf("");
      auto gs = g;
      std::vector<float> db(width, 123.0f), dbs(width, -7.0f);
      body(g.data(), masked ? a.data() : nullptr, m, width, db.data());
      MaskAndBiasGradientScalar(gs.data(), masked ? a.data() : nullptr, m, width, dbs.data());
      EXPECT(SameBits(g, gs) && SameBits(db, dbs), "%s mask+bias width=%lld masked=%d: vector == scalar", isa,
             static_cast<long long>(width), masked);
    }
}

// Every column block and tail, with the hidden layer plain (its ReLU output is the unit's input) and
// residual (a separate ReLU output, and the skip's gradient written).
void OutputUnit(const char* isa, OutputUnitBody body) {
  for (const int64_t width : {1, 2, 6, 10, 14, 16, 59, 64, 150, 701})
    for (const bool residual : {false, true}) {
      const int64_t m = 37;
      const auto g = Random(m, -1, 1), h = Random(m * width, -1, 1), w = Random(width, -1, 1);
      auto a = residual ? Random(m * width, -1, 1) : h;
      a[0] = -0.0f, a[1 % a.size()] = 0.0f, a[2 % a.size()] = std::nanf("");
      std::vector<float> dw(width, 5.0f), dz(m * width, 9.0f), skip(m * width, 3.0f), db(width, 123.0f), db_unit(1, 8.0f);
      auto dws = dw, dzs = dz, skips = skip, dbs = db, db_units = db_unit;
      float* skip_out = residual ? skip.data() : nullptr;
      body(g.data(), h.data(), a.data(), w.data(), m, width, dw.data(), db_unit.data(), dz.data(), skip_out, db.data());
      OutputUnitBackwardScalar(g.data(), h.data(), a.data(), w.data(), m, width, dws.data(), db_units.data(), dzs.data(),
                               residual ? skips.data() : nullptr, dbs.data());
      EXPECT(SameBits(dw, dws) && SameBits(db_unit, db_units) && SameBits(dz, dzs) && SameBits(skip, skips) &&
                 SameBits(db, dbs),
             "%s output unit width=%lld residual=%d: vector == scalar", isa, static_cast<long long>(width), residual);
    }
}

void SigmoidHead(const char* isa, const HeadBodies& bodies, int64_t lanes) {
  for (const int64_t n : {1, 15, 16, 17, 300}) {
    auto z = Random(n, -95, 95);
    const float specials[] = {0.0f, -0.0f, 1e-9f, 87.3f, 87.4f, -87.4f, 200.0f, std::nanf(""), 1e30f, -1e30f};
    for (size_t i = 0; i < std::size(specials) && i < z.size(); ++i) z[i * 7 % z.size()] = specials[i];
    const auto y = Random(n, 0, 1);
    std::vector<float> p(n), ps(n);
    const int64_t tail = bodies.activate(z.data(), 0, n, p.data());
    EXPECT(tail == n / lanes * lanes, "%s sigmoid: the vector body stops at the last whole vector (n=%lld)", isa,
           static_cast<long long>(n));
    SigmoidActivateScalar(z.data(), tail, n, p.data());
    SigmoidActivateScalar(z.data(), 0, n, ps.data());
    EXPECT(SameBits(p, ps), "%s sigmoid n=%lld: vector == scalar", isa, static_cast<long long>(n));
    std::vector<float> a(n);  // e^−a for a ≥ 0 (softmax's max − z), NaN and +inf included
    for (int64_t i = 0; i < n; ++i) a[i] = std::isnan(z[i]) ? z[i] : std::fabs(z[i]);
    auto as = a;
    ExpNegScalar(a.data(), bodies.exp_neg(a.data(), 0, n), n);
    ExpNegScalar(as.data(), 0, n);
    EXPECT(SameBits(a, as), "%s e^-a n=%lld: vector == scalar", isa, static_cast<long long>(n));
    for (const Head head : {Head::SigmoidBce, Head::SigmoidMse}) {
      std::vector<float> t(n), ts(n), dz(n), dzs(n);
      const int64_t done = bodies.terms(head, z.data(), p.data(), y.data(), 0, n, 0.37f, t.data(), dz.data());
      SigmoidTermsScalar(head, z.data(), p.data(), y.data(), done, n, 0.37f, t.data(), dz.data());
      SigmoidTermsScalar(head, z.data(), p.data(), y.data(), 0, n, 0.37f, ts.data(), dzs.data());
      EXPECT(SameBits(t, ts) && SameBits(dz, dzs), "%s %s terms n=%lld: vector == scalar", isa, HeadName(head),
             static_cast<long long>(n));
    }
  }
}

}  // namespace
#endif

int main() {
#if !(defined(__x86_64__) || defined(_M_X64))
  std::printf("skipped: the AVX-512 and AVX2 bodies exist on x86-64 only\n");
  return 77;
#else
  const auto& cpu = mlpe::hw::Cpu();
  if (!cpu.UsableAvx2()) {
    std::printf("skipped: this CPU has neither usable AVX-512 nor AVX2\n");
    return 77;
  }
  if (cpu.UsableAvx512()) {
    AdamVector("avx512", AdamUpdateAvx512, 16);
    MaskAndBias("avx512", MaskAndBiasGradientAvx512);
    OutputUnit("avx512", OutputUnitBackwardAvx512);
    SigmoidHead("avx512", HeadBodiesAvx512(), 16);
  } else {
    std::printf("avx512 bodies not checked: this CPU has no usable AVX-512\n");
  }
  AdamVector("avx2", AdamUpdateAvx2, 8);
  MaskAndBias("avx2", MaskAndBiasGradientAvx2);
  OutputUnit("avx2", OutputUnitBackwardAvx2);
  SigmoidHead("avx2", HeadBodiesAvx2(), 8);
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
#endif
}
