// The compiled SGEMM instances and the dispatch from a run-time GpuTiling to one of them. Each tiling is
// compiled for the four transpose cases the forward (NN) and backward (TN: Xᵀ·dY, NT: dY·Wᵀ) need.
#include <cstdint>
#include <string>

#include "check.hpp"
#include "device.hpp"
#include "sgemm.hpp"
#include "sgemm_kernel.cuh"

namespace mlpe::cuda {

namespace {

using kernels::SgemmParams;
using LaunchFn = void (*)(const SgemmParams&, cudaStream_t);

template <int BM, int BN, int BK, int WM, int WN, int TM, int TN, int ST, bool TA, bool TB>
void Launch(const SgemmParams& p, cudaStream_t stream) {
  const unsigned ctas = static_cast<unsigned>(((p.m + BM - 1) / BM) * ((p.n + BN - 1) / BN));
  kernels::SgemmKernel<BM, BN, BK, WM, WN, TM, TN, ST, TA, TB>
      <<<ctas, (BM / WM) * (BN / WN) * 32, 0, stream>>>(p);
}

struct Instance {
  GpuTiling tiling;
  LaunchFn launch[2][2];  // [trans_a][trans_b]
};

#define MLPE_SGEMM_INSTANCE(BM, BN, BK, WM, WN, TM, TN, ST)                                                  \
  Instance {                                                                                                 \
    GpuTiling{BM, BN, BK, WM, WN, TM, TN, ST}, {                                                             \
      {&Launch<BM, BN, BK, WM, WN, TM, TN, ST, false, false>, &Launch<BM, BN, BK, WM, WN, TM, TN, ST, false, true>}, \
      {&Launch<BM, BN, BK, WM, WN, TM, TN, ST, true, false>, &Launch<BM, BN, BK, WM, WN, TM, TN, ST, true, true>}    \
    }                                                                                                        \
  }

// Ordered from the largest CTA tile to the smallest (DefaultGpuTiling relies on it). Each thread holds
// 8×8 accumulators in the large tiles (CUTLASS's SIMT default 128×128×8, warp 32×64), fewer in the small
// ones, which keep the SMs busy when m·n is small (BUTTER's batch of 256).
const Instance kInstances[] = {
    // 128 accumulators per lane, 8 warps (cuBLAS's strict-fp32 CTA is 256×128×8). On an H200, 128×256
    // measured 0.80× cuBLAS at 4096³ against 0.78× for 256×128 (bench/gpu/RESULTS.md), so it comes first.
    MLPE_SGEMM_INSTANCE(128, 256, 8, 64, 64, 4, 4, 2),
    MLPE_SGEMM_INSTANCE(256, 128, 8, 64, 64, 4, 4, 2),
    MLPE_SGEMM_INSTANCE(128, 128, 8, 32, 64, 4, 4, 2),
    MLPE_SGEMM_INSTANCE(128, 128, 16, 64, 32, 4, 4, 2),
    MLPE_SGEMM_INSTANCE(128, 64, 16, 32, 32, 4, 4, 2),
    MLPE_SGEMM_INSTANCE(64, 64, 16, 32, 32, 4, 4, 2),
    MLPE_SGEMM_INSTANCE(64, 64, 16, 32, 32, 4, 4, 1),
    MLPE_SGEMM_INSTANCE(32, 32, 16, 16, 32, 4, 4, 2),
};

const Instance& Find(const GpuTiling& t) {
  for (const auto& inst : kInstances)
    if (inst.tiling == t) return inst;
  Validate(t);  // throws with the list of compiled tilings
  throw Error("INVALID_TILING", "GPU tiling " + Describe(t) + " is not compiled");
}

bool Aligned16(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0; }

}  // namespace

const std::vector<GpuTiling>& CompiledGpuTilings() {
  static const std::vector<GpuTiling> list = [] {
    std::vector<GpuTiling> v;
    for (const auto& inst : kInstances) v.push_back(inst.tiling);
    return v;
  }();
  return list;
}

void ValidateGemmArgs(const gemm::Args& a) {
  auto fail = [](const std::string& msg) { throw Error("INVALID_ARGUMENT", "GPU sgemm: " + msg); };
  if (a.m < 0 || a.n < 0 || a.k < 0) fail("m, n and k must be non-negative");
  if (a.m > INT32_MAX || a.n > INT32_MAX || a.k > INT32_MAX) fail("m, n and k must each be below 2^31");
  const int64_t a_cols = a.trans_a ? a.m : a.k, b_cols = a.trans_b ? a.k : a.n;
  if (a.lda < a_cols) fail("lda must be at least " + std::to_string(a_cols) + " (columns of A as stored)");
  if (a.ldb < b_cols) fail("ldb must be at least " + std::to_string(b_cols) + " (columns of B as stored)");
  if (a.ldc < a.n) fail("ldc must be at least n = " + std::to_string(a.n));
  if (a.m > 0 && a.n > 0 && a.c == nullptr) fail("c is null");
  if (a.m > 0 && a.n > 0 && a.k > 0 && (a.a == nullptr || a.b == nullptr)) fail("a or b is null");
}

void Sgemm(const gemm::Args& args, const GpuTiling& tiling, void* stream) {
  ValidateGemmArgs(args);
  const Instance& inst = Find(tiling);
  if (args.m == 0 || args.n == 0) return;
  SgemmParams p{};
  p.m = static_cast<int>(args.m), p.n = static_cast<int>(args.n), p.k = static_cast<int>(args.k);
  p.alpha = args.alpha, p.beta = args.beta;
  p.a = args.a, p.lda = args.lda, p.b = args.b, p.ldb = args.ldb, p.c = args.c, p.ldc = args.ldc;
  p.bias = args.epilogue.bias, p.relu = args.epilogue.relu;
  p.vec_a = Aligned16(args.a) && args.lda % 4 == 0;
  p.vec_b = Aligned16(args.b) && args.ldb % 4 == 0;
  p.vec_c = Aligned16(args.c) && args.ldc % 4 == 0;
  auto s = static_cast<cudaStream_t>(stream);
  inst.launch[args.trans_a][args.trans_b](p, s);
  MLPE_CUDA_CHECK(cudaGetLastError());
}

void Sgemm(const gemm::Args& args, void* stream) {
  Sgemm(args, DefaultGpuTiling(args.m, args.n, CurrentDeviceSmCount()), stream);
}

}  // namespace mlpe::cuda
