// GPU SGEMM against a float64 reference on random shapes, every compiled tiling, all four transpose
// cases, unaligned leading dimensions, beta and the bias+ReLU epilogue; plus the tiling validation.
//
// Tolerance: a float32 dot product of length k accumulated in any order has error at most
// γ_k·Σ|a_i b_i| with γ_k = k·u/(1−k·u), u = 2^-24 (Higham, Accuracy and Stability, §3.1). We allow
// 2·γ_k·Σ|a||b| + 2u·|c| per element (alpha/beta/bias add a few more roundings), checked elementwise.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "check.hpp"
#include "gpu_test.hpp"
#include "sgemm.hpp"

using namespace mlpe;
using namespace mlpe::cuda;

namespace {

struct Case {
  bool ta, tb;
  int m, n, k;
  int pad_a, pad_b, pad_c;  // extra columns in the stored leading dimension (odd pads break float4)
  float alpha, beta;
  bool bias, relu;
};

int RunCase(const Case& cs, const GpuTiling& tiling, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const int a_rows = cs.ta ? cs.k : cs.m, a_cols = cs.ta ? cs.m : cs.k;
  const int b_rows = cs.tb ? cs.n : cs.k, b_cols = cs.tb ? cs.k : cs.n;
  const int lda = a_cols + cs.pad_a, ldb = b_cols + cs.pad_b, ldc = cs.n + cs.pad_c;
  std::vector<float> a(static_cast<size_t>(a_rows) * lda), b(static_cast<size_t>(b_rows) * ldb),
      c(static_cast<size_t>(cs.m) * ldc), bias(cs.n);
  for (auto& x : a) x = dist(rng);
  for (auto& x : b) x = dist(rng);
  for (auto& x : c) x = dist(rng);
  for (auto& x : bias) x = dist(rng);

  float *da, *db, *dc, *dbias;
  MLPE_CUDA_CHECK(cudaMalloc(&da, a.size() * 4 + 4));
  MLPE_CUDA_CHECK(cudaMalloc(&db, b.size() * 4 + 4));
  MLPE_CUDA_CHECK(cudaMalloc(&dc, c.size() * 4 + 4));
  MLPE_CUDA_CHECK(cudaMalloc(&dbias, bias.size() * 4 + 4));
  MLPE_CUDA_CHECK(cudaMemcpy(da, a.data(), a.size() * 4, cudaMemcpyHostToDevice));
  MLPE_CUDA_CHECK(cudaMemcpy(db, b.data(), b.size() * 4, cudaMemcpyHostToDevice));
  MLPE_CUDA_CHECK(cudaMemcpy(dbias, bias.data(), bias.size() * 4, cudaMemcpyHostToDevice));
  if (cs.beta == 0.f) {
    // beta == 0 must never read C: poison it with NaN.
    std::vector<float> nan(c.size(), std::numeric_limits<float>::quiet_NaN());
    MLPE_CUDA_CHECK(cudaMemcpy(dc, nan.data(), c.size() * 4, cudaMemcpyHostToDevice));
  } else {
    MLPE_CUDA_CHECK(cudaMemcpy(dc, c.data(), c.size() * 4, cudaMemcpyHostToDevice));
  }

  gemm::Args args;
  args.trans_a = cs.ta, args.trans_b = cs.tb;
  args.m = cs.m, args.n = cs.n, args.k = cs.k;
  args.alpha = cs.alpha, args.beta = cs.beta;
  args.a = da, args.lda = lda, args.b = db, args.ldb = ldb, args.c = dc, args.ldc = ldc;
  args.epilogue.bias = cs.bias ? dbias : nullptr;
  args.epilogue.relu = cs.relu;
  Sgemm(args, tiling);
  MLPE_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<float> out(c.size());
  MLPE_CUDA_CHECK(cudaMemcpy(out.data(), dc, c.size() * 4, cudaMemcpyDeviceToHost));

  const double u = std::ldexp(1.0, -24);
  const double gamma = cs.k * u / (1 - cs.k * u);
  int bad = 0;
  for (int i = 0; i < cs.m && bad < 3; ++i)
    for (int j = 0; j < cs.n && bad < 3; ++j) {
      double dot = 0, mag = 0;
      for (int p = 0; p < cs.k; ++p) {
        const double x = cs.ta ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p];
        const double y = cs.tb ? b[static_cast<size_t>(j) * ldb + p] : b[static_cast<size_t>(p) * ldb + j];
        dot += x * y;
        mag += std::fabs(x * y);
      }
      double ref = cs.alpha * dot;
      if (cs.beta != 0.f) ref += cs.beta * c[static_cast<size_t>(i) * ldc + j];
      if (cs.bias) ref += bias[j];
      if (cs.relu) ref = std::max(ref, 0.0);
      const double tol = 2 * gamma * std::fabs(cs.alpha) * mag + 4 * u * (std::fabs(ref) + 2) + 1e-30;
      const double got = out[static_cast<size_t>(i) * ldc + j];
      if (!(std::fabs(got - ref) <= tol)) {
        ++bad;
        std::printf("  C[%d][%d] = %.9g, reference %.9g, tolerance %.3g\n", i, j, got, ref, tol);
      }
    }
  // Padding columns of C are never written.
  for (int i = 0; i < cs.m && cs.beta != 0.f; ++i)
    for (int j = cs.n; j < ldc; ++j)
      if (out[static_cast<size_t>(i) * ldc + j] != c[static_cast<size_t>(i) * ldc + j]) ++bad;
  cudaFree(da), cudaFree(db), cudaFree(dc), cudaFree(dbias);
  return bad;
}

void TestValidation() {
  auto expect_throw = [](const GpuTiling& t, const char* what) {
    try {
      Validate(t);
      GPU_CHECK(false, "tiling %s was accepted (%s)", Describe(t).c_str(), what);
    } catch (const Error& e) {
      GPU_CHECK(e.code() == "INVALID_TILING", "code %s", e.code().c_str());
    }
  };
  expect_throw({128, 128, 8, 32, 64, 3, 4, 2}, "tm not a multiple of 4");
  expect_throw({128, 128, 8, 48, 64, 4, 4, 2}, "bm not a multiple of wm");
  expect_throw({128, 128, 8, 32, 64, 4, 4, 3}, "3 stages");
  expect_throw({256, 256, 8, 16, 32, 4, 4, 2}, "too many threads");
  GPU_CHECK(BrokenRule({64, 128, 8, 32, 64, 4, 4, 2}).empty(), "64x128 tiling should obey the rules");
  expect_throw({64, 128, 8, 32, 64, 4, 4, 2}, "valid but not compiled");
  for (const auto& t : CompiledGpuTilings()) GPU_CHECK(BrokenRule(t).empty(), "%s", Describe(t).c_str());
}

}  // namespace

int main() {
  test::SkipWithoutDevice("test_gpu_sgemm");
  TestValidation();
  std::mt19937 rng(20241126);
  std::uniform_int_distribution<int> dim(1, 300), pad(0, 5);
  int cases = 0;
  for (const auto& tiling : CompiledGpuTilings()) {
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        // Random edge-heavy shapes, plus one exact multiple of the tile with aligned ld (the float4 path).
        const Case shapes[] = {
            {bool(ta), bool(tb), dim(rng), dim(rng), dim(rng), pad(rng), pad(rng), pad(rng), 1.f, 0.f, true, true},
            {bool(ta), bool(tb), dim(rng), dim(rng), dim(rng), pad(rng), pad(rng), pad(rng), 0.75f, -0.5f, false, false},
            {bool(ta), bool(tb), 2 * tiling.bm, 2 * tiling.bn, 4 * tiling.bk, 0, 0, 0, 1.f, 0.f, true, false},
            {bool(ta), bool(tb), 1, 1, 1, 0, 0, 0, 1.f, 0.f, false, true},
        };
        for (const auto& cs : shapes) {
          const int bad = RunCase(cs, tiling, rng);
          ++cases;
          GPU_CHECK(bad == 0, "tiling %s ta=%d tb=%d m=%d n=%d k=%d pads=%d,%d,%d beta=%g bias=%d relu=%d",
                    Describe(tiling).c_str(), ta, tb, cs.m, cs.n, cs.k, cs.pad_a, cs.pad_b, cs.pad_c, cs.beta,
                    cs.bias, cs.relu);
        }
      }
  }
  // k == 0: C = beta·C + bias (nothing to multiply).
  {
    Case cs{false, false, 17, 9, 0, 0, 0, 0, 1.f, 0.5f, true, false};
    GPU_CHECK(RunCase(cs, CompiledGpuTilings().front(), rng) == 0, "k = 0");
  }
  // Bad arguments are errors, not crashes.
  try {
    gemm::Args bad;
    bad.m = 4, bad.n = 4, bad.k = 4, bad.lda = 2, bad.ldb = 4, bad.ldc = 4;
    Sgemm(bad, CompiledGpuTilings().front());
    GPU_CHECK(false, "lda < k was accepted");
  } catch (const Error& e) {
    GPU_CHECK(e.code() == "INVALID_ARGUMENT", "code %s", e.code().c_str());
  }
  std::printf("%d GEMM cases, %d failures\n", cases, test::failures);
  return test::failures == 0 ? 0 : 1;
}
