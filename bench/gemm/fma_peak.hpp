// The ceiling no SGEMM can pass on this machine: fused multiply-adds per second with no memory traffic,
// timed on independent register chains (14 of them, more than latency × pipes on any x86 core), on
// `threads` threads at once so that shared cores or a host that time-slices the vCPUs show up as a
// lower ceiling. A ratio against a peer can then be read against its best possible value:
// threads × peak / the peer's GFLOP/s.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gemm/tiling.hpp"

namespace mlpe::bench {

namespace detail {

// 14 zmm (or ymm) accumulators fed by register 15; registers 0–15 only, so no AVX-512 compiler flag is
// needed and the clobbers stay nameable (VEX vxorps zeroes the whole of zmm15).
#define MLPE_FMA_CHAINS(v)                                                                                   \
  __asm__ volatile("vxorps %%ymm15, %%ymm15, %%ymm15\n"                                                       \
                   "1:\n"                                                                                     \
                   ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13\n"                                                 \
                   "vfmadd231ps %%" v "15, %%" v "15, %%" v "\\r\n"                                          \
                   ".endr\n"                                                                                  \
                   "dec %0\n"                                                                                 \
                   "jnz 1b\n"                                                                                 \
                   : "+r"(n)                                                                                  \
                   :                                                                                          \
                   : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", \
                     "xmm11", "xmm12", "xmm13", "xmm15")

// Seconds for `iters` × 14 FMAs.
inline double FmaChains(bool zmm, long iters) {
  const auto t0 = std::chrono::steady_clock::now();
  long n = iters;
#if defined(__x86_64__)
  if (zmm) MLPE_FMA_CHAINS("zmm");
  else MLPE_FMA_CHAINS("ymm");
#else
  (void)zmm, (void)n;
#endif
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
#undef MLPE_FMA_CHAINS

}  // namespace detail

// Total FMA GFLOP/s of `threads` threads running the chains at once, best of 9 (0 for the portable ISA,
// which has no fixed vector width, or off x86-64).
inline double FmaPeakGflops(gemm::Isa isa, int threads) {
#if defined(__x86_64__)
  if (isa == gemm::Isa::Reference) return 0;
  const bool zmm = isa == gemm::Isa::Avx512;
  const double lanes = zmm ? 16 : 8;
  const long iters = 10'000'000;
  double best = 0;
  for (int rep = 0; rep < 9; ++rep) {
    std::vector<double> seconds(threads);
    std::atomic<int> ready{0};
    std::vector<std::thread> team;
    for (int t = 0; t < threads; ++t)
      team.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < threads) {
        }
        seconds[t] = detail::FmaChains(zmm, iters);
      });
    for (auto& th : team) th.join();
    const double slowest = *std::max_element(seconds.begin(), seconds.end());
    best = std::max(best, threads * iters * 14.0 * lanes * 2.0 / slowest * 1e-9);
  }
  return best;
#else
  (void)isa, (void)threads;
  return 0;
#endif
}

}  // namespace mlpe::bench
