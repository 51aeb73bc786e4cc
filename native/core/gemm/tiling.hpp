// Cache tiling of the blocked GEMM, named as BLIS names it: mc×kc block of A (L2), kc×nc panel of B (L3),
// mr×nr micro-tile (registers); threads parallelise the loop BLIS recommends for private L2 + shared L3.
#pragma once
#include <string>
#include <vector>

namespace mlpe::gemm {

enum class Isa { Reference, Avx2, Avx512 };

const char* IsaName(Isa isa);  // "reference" | "avx2" | "avx512"

struct Tiling {
  int mc = 0, kc = 0, nc = 0;
  int mr = 0, nr = 0;
  int threads = 1;
  Isa isa = Isa::Reference;
  // Allow the unpacked small-product path (BLIS "sup"; only some kernels have it). Where it runs, mc and
  // nc have no effect; false forces packing so every block size matters (tiling experiments, tests).
  bool sup = true;
};

// Throws mlpe::Error (code INVALID_TILING or ISA_UNAVAILABLE) naming the broken rule and the fix.
void Validate(const Tiling& tiling);

// Best ISA available on this CPU (cpuid), and the analytical default tiling for it (Low et al. 2016).
Isa BestIsa();
Tiling DefaultTiling(Isa isa, int threads);
Tiling DefaultTiling();

// --- additions beyond the first contract ---
// Whether this CPU and OS can run the ISA's kernels (cpuid + XCR0).
bool IsaAvailable(Isa isa);
// "reference" | "avx2" | "avx512" -> Isa; false for anything else.
bool ParseIsa(const std::string& name, Isa* isa);
// The mr×nr micro-tiles the ISA offers, as "6x32, 12x32, ..." for messages and listings.
std::string OfferedTiles(Isa isa);
// One line per block size saying which cache rule produced it (for `mlp-energy info` and the docs).
std::vector<std::string> DefaultTilingDerivation(Isa isa, int threads);

// Bounds Validate enforces (they keep the packing buffers below ~256 MiB).
constexpr int kMaxMc = 8192, kMaxKc = 8192, kMaxNc = 65536, kMaxThreads = 256;

}  // namespace mlpe::gemm
