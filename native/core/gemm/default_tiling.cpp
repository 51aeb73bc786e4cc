// Default block sizes from the detected caches by the analytical rules of Low et al. 2016
// ("Analytical Modeling Is Enough for High-Performance BLIS"). In our loop order (jr outer, ir inner)
// the kc×nr micro-panel of B stays in L1 while kc×mr micro-panels of A stream past it; the mc×kc block
// of A lives in L2 and the kc×nc panel of B in L3. With W ways, way size N·C bytes and S = 4 bytes:
//   L1: C_A = floor((W1 − 1) / (1 + nr/mr)) ways for A's micro-panel, kc = C_A·N1·C1 / (mr·S)
//   L2: C_Ac = W2 − 1 − ceil(2·kc·nr·S / (N2·C2)),                    mc = C_Ac·N2·C2 / (kc·S), multiple of mr
//   L3: C_Bc = W3 − 1 − ceil(2·kc·mc·S / (N3·C3)),                    nc = C_Bc·N3·C3 / (kc·S), multiple of nr
// One way of each level is left to C and to the other operand's next panel.
// kc is then raised to at least kKcFloor: with a 32-wide B micro-panel the L1 rule leaves A 3 ways and
// kc = 256, but each kc block is one more pass over C, and the kernel's B stream (2 vectors per 2·mr FMAs)
// is well within what L2 delivers, so a micro-panel that spills L1 costs less than the extra passes.
// Measured on Zen 5 (1 thread, GFLOP/s): 1536³ 162–166 at kc 256, 174–181 at 512; 2048³ vs OpenBLAS
// 0.89–0.95 → 0.99–1.02 (1 and 2 threads); 256×512×512 on 2 threads 1.11 → 1.37. BLIS's zen4 sgemm
// config uses kc = 480 for its 32×12 tile, 2.6× L1 by the same footprint.
#include <algorithm>
#include <cmath>
#include <string>

#include "gemm/tiling.hpp"
#include "hw/cache.hpp"
#include "hw/cpu.hpp"

namespace mlpe::gemm {

namespace {

constexpr int kS = sizeof(float);
constexpr int kKcFloor = 512;
constexpr int kNcWithoutL3 = 4096;  // BLIS's shipped x86 configs use nc ≈ 3000–4080 (gemm.md §0)

struct Derived {
  Tiling tiling;
  std::vector<std::string> lines;
};

// Micro-tile per ISA: the widest register block the ISA's kernel set offers that keeps ≥ 8 FMA chains.
void DefaultMicroTile(Isa isa, int* mr, int* nr) {
  switch (isa) {
    case Isa::Avx512: *mr = 12, *nr = 32; return;
    case Isa::Avx2: *mr = 6, *nr = 16; return;
    default: *mr = 6, *nr = 16; return;
  }
}

Derived Derive(Isa isa, int threads) {
  Derived d;
  Tiling& t = d.tiling;
  t.isa = isa;
  t.threads = std::clamp(threads, 1, kMaxThreads);
  DefaultMicroTile(isa, &t.mr, &t.nr);
  const hw::CacheHierarchy& caches = hw::Caches();
  const hw::CacheLevel& l1 = *caches.Data(1);  // CombineCaches guarantees L1d and L2
  const hw::CacheLevel& l2 = *caches.Data(2);
  const hw::CacheLevel* l3 = caches.Data(3);

  const int ways_a = std::max(1, static_cast<int>((l1.ways - 1) / (1.0 + double(t.nr) / t.mr)));
  const int kc_l1 = std::clamp(static_cast<int>(ways_a * l1.WaySize() / (t.mr * kS)) / 4 * 4, 64, 1024);
  t.kc = std::max(kc_l1, kKcFloor);
  d.lines.push_back("kc=" + std::to_string(t.kc) + ": L1d " + std::to_string(l1.size_bytes >> 10) + " KiB " +
                    std::to_string(l1.ways) + "-way, " + std::to_string(ways_a) +
                    " ways for A's kc×mr micro-panel, the rest for B's kc×nr micro-panel (Low et al. 2016): " +
                    std::to_string(kc_l1) + (t.kc > kc_l1 ? ", raised to the floor " + std::to_string(kKcFloor) +
                                                                " (fewer passes over C; B's micro-panel streams from L2)"
                                                          : ""));

  const int64_t b_ways_l2 = (2 * int64_t(t.kc) * t.nr * kS + l2.WaySize() - 1) / l2.WaySize();
  const int64_t ways_ac = std::max<int64_t>(1, l2.ways - 1 - b_ways_l2);
  t.mc = static_cast<int>(std::clamp<int64_t>(ways_ac * l2.WaySize() / (int64_t(t.kc) * kS), t.mr, 1024));
  t.mc = std::max(t.mr, t.mc / t.mr * t.mr);
  d.lines.push_back("mc=" + std::to_string(t.mc) + ": L2 " + std::to_string(l2.size_bytes >> 10) + " KiB " +
                    std::to_string(l2.ways) + "-way, " + std::to_string(ways_ac) +
                    " ways for the mc×kc block of A, multiple of mr, at most 1024");

  if (l3) {
    const int64_t a_ways_l3 = (2 * int64_t(t.kc) * t.mc * kS + l3->WaySize() - 1) / l3->WaySize();
    const int64_t ways_bc = std::max<int64_t>(1, l3->ways - 1 - a_ways_l3);
    t.nc = static_cast<int>(std::clamp<int64_t>(ways_bc * l3->WaySize() / (int64_t(t.kc) * kS), t.nr, 8192));
    t.nc = std::max(t.nr, t.nc / t.nr * t.nr);
    d.lines.push_back("nc=" + std::to_string(t.nc) + ": L3 " + std::to_string(l3->size_bytes >> 20) + " MiB " +
                      std::to_string(l3->ways) + "-way, " + std::to_string(ways_bc) +
                      " ways for the kc×nc panel of B, multiple of nr, at most 8192");
  } else {
    t.nc = kNcWithoutL3 / t.nr * t.nr;
    d.lines.push_back("nc=" + std::to_string(t.nc) +
                      ": no plausible L3 reported, BLIS's x86 rule of thumb (nc ≈ 4096, multiple of nr)");
  }
  return d;
}

}  // namespace

Tiling DefaultTiling(Isa isa, int threads) { return Derive(isa, threads).tiling; }

Tiling DefaultTiling() { return DefaultTiling(BestIsa(), hw::Cpu().logical_cores); }

std::vector<std::string> DefaultTilingDerivation(Isa isa, int threads) { return Derive(isa, threads).lines; }

}  // namespace mlpe::gemm
