// Our SGEMM against cuBLAS strict fp32 (CUBLAS_COMPUTE_32F) in the same run: square 1024/2048/4096 and
// the BUTTER training shapes (batch 256: forward NN, weight gradient TN = Xᵀ·dY, input gradient NT =
// dY·Wᵀ). Prints GFLOP/s, the ratio to cuBLAS for the default tiling and for the best compiled tiling,
// and the relative difference to cuBLAS's result (a correctness guard on every timed shape).
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "cublas_loader.hpp"
#include "device.hpp"
#include "sgemm.hpp"
#include "timing.hpp"

using namespace mlpe;

namespace {

struct Problem {
  std::string label;
  bool ta, tb;
  int m, n, k;
};

double RelDiff(const std::vector<float>& x, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    num += (double(x[i]) - ref[i]) * (double(x[i]) - ref[i]);
    den += double(ref[i]) * ref[i];
  }
  return std::sqrt(num / (den > 0 ? den : 1));
}

}  // namespace

int main() {
  const cuda::CudaInfo info = cuda::QueryCudaInfo();
  if (!info.available) {
    std::printf("SKIPPED sgemm_vs_cublas: %s\n", info.reason.c_str());
    return 77;
  }
  bench::Cublas cublas;
  std::string why;
  if (!cublas.Open(&why)) {
    std::printf("cuBLAS unavailable: %s\n", why.c_str());
    return 1;
  }
  std::printf("device %s, %d SMs, L2 %lld B; cuBLAS %s (CUBLAS_COMPUTE_32F)\n", info.devices[0].name.c_str(),
              info.devices[0].sm_count, static_cast<long long>(info.devices[0].l2_bytes), cublas.Path().c_str());

  std::vector<Problem> problems = {{"square 1024", false, false, 1024, 1024, 1024},
                                   {"square 2048", false, false, 2048, 2048, 2048},
                                   {"square 4096", false, false, 4096, 4096, 4096}};
  for (int w : {512, 2048, 4096}) {
    const std::string ws = std::to_string(w);
    problems.push_back({"fwd  256x" + ws + "x" + ws, false, false, 256, w, w});
    problems.push_back({"dW   " + ws + "x" + ws + "x256", true, false, w, w, 256});
    problems.push_back({"dX   256x" + ws + "x" + ws, false, true, 256, w, w});
  }

  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::printf("\n%-22s %10s %10s %7s %10s %7s  %-44s %9s\n", "problem (m x n x k)", "cuBLAS", "default", "ratio",
              "best", "ratio", "best tiling", "rel.diff");
  int bad = 0;
  double ratio_4096 = 0;
  for (const auto& pr : problems) {
    const size_t a_n = size_t(pr.m) * pr.k, b_n = size_t(pr.k) * pr.n, c_n = size_t(pr.m) * pr.n;
    std::vector<float> ha(a_n), hb(b_n);
    for (auto& x : ha) x = dist(rng);
    for (auto& x : hb) x = dist(rng);
    float *a, *b, *c, *c_ref;
    MLPE_CUDA_CHECK(cudaMalloc(&a, a_n * 4));
    MLPE_CUDA_CHECK(cudaMalloc(&b, b_n * 4));
    MLPE_CUDA_CHECK(cudaMalloc(&c, c_n * 4));
    MLPE_CUDA_CHECK(cudaMalloc(&c_ref, c_n * 4));
    MLPE_CUDA_CHECK(cudaMemcpy(a, ha.data(), a_n * 4, cudaMemcpyHostToDevice));
    MLPE_CUDA_CHECK(cudaMemcpy(b, hb.data(), b_n * 4, cudaMemcpyHostToDevice));
    const int lda = pr.ta ? pr.m : pr.k, ldb = pr.tb ? pr.k : pr.n;
    gemm::Args args;
    args.trans_a = pr.ta, args.trans_b = pr.tb;
    args.m = pr.m, args.n = pr.n, args.k = pr.k;
    args.a = a, args.lda = lda, args.b = b, args.ldb = ldb, args.c = c, args.ldc = pr.n;

    const double flops = 2.0 * pr.m * pr.n * pr.k;
    const int per_batch = std::max(1, std::min(200, int(2e10 / flops)));
    const double t_cublas = bench::MedianSeconds(
        [&] {
          if (cublas.Sgemm(pr.ta, pr.tb, pr.m, pr.n, pr.k, a, lda, b, ldb, c_ref, pr.n) != 0) std::abort();
        },
        per_batch);
    const cuda::GpuTiling def = cuda::DefaultGpuTiling(pr.m, pr.n, info.devices[0].sm_count);
    const double t_def = bench::MedianSeconds([&] { cuda::Sgemm(args, def); }, per_batch);
    double t_best = 1e30;
    cuda::GpuTiling best = def;
    for (const auto& t : cuda::CompiledGpuTilings()) {
      const double s = bench::MedianSeconds([&] { cuda::Sgemm(args, t); }, per_batch, 5, 2);
      if (s < t_best) t_best = s, best = t;
    }
    // Correctness guard: the best tiling's result against cuBLAS's (both fp32; differences are rounding).
    MLPE_CUDA_CHECK(cudaMemset(c, 0xff, c_n * 4));  // NaN poison: every element must be written
    cuda::Sgemm(args, best);
    MLPE_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<float> hc(c_n), href(c_n);
    MLPE_CUDA_CHECK(cudaMemcpy(hc.data(), c, c_n * 4, cudaMemcpyDeviceToHost));
    MLPE_CUDA_CHECK(cudaMemcpy(href.data(), c_ref, c_n * 4, cudaMemcpyDeviceToHost));
    const double diff = RelDiff(hc, href);
    if (!(diff < 1e-4)) ++bad;
    const double g = flops * 1e-9;
    std::printf("%-22s %10.0f %10.0f %6.2fx %10.0f %6.2fx  %-44s %9.2e\n", pr.label.c_str(), g / t_cublas,
                g / t_def, t_cublas / t_def, g / t_best, t_cublas / t_best, cuda::Describe(best).c_str(), diff);
    std::fflush(stdout);
    if (pr.m == 4096 && pr.n == 4096 && pr.k == 4096) ratio_4096 = t_cublas / t_best;
    cudaFree(a), cudaFree(b), cudaFree(c), cudaFree(c_ref);
  }
  std::printf("\nGFLOP/s columns: cuBLAS fp32, ours with DefaultGpuTiling, ours with the best compiled tiling.\n");
  std::printf("target >= 0.85x cuBLAS at 4096: %.2fx %s\n", ratio_4096, ratio_4096 >= 0.85 ? "MET" : "NOT MET");
  if (bad) std::printf("%d problems differ from cuBLAS by more than 1e-4 (relative Frobenius)\n", bad);
  return bad == 0 ? 0 : 1;
}
