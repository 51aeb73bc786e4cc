// Cache tiling of the blocked GEMM, named as BLIS names it: mc×kc block of A (L2), kc×nc panel of B (L3),
// mr×nr micro-tile (registers); threads parallelise the loop BLIS recommends for private L2 + shared L3.
#pragma once
#include <string>

namespace mlpe::gemm {

enum class Isa { Reference, Avx2, Avx512 };

const char* IsaName(Isa isa);  // "reference" | "avx2" | "avx512"

struct Tiling {
  int mc = 0, kc = 0, nc = 0;
  int mr = 0, nr = 0;
  int threads = 1;
  Isa isa = Isa::Reference;
};

// Throws mlpe::Error (code INVALID_TILING or ISA_UNAVAILABLE) naming the broken rule and the fix.
void Validate(const Tiling& tiling);

// Best ISA available on this CPU (cpuid), and the analytical default tiling for it (Low et al. 2016).
Isa BestIsa();
Tiling DefaultTiling(Isa isa, int threads);
Tiling DefaultTiling();

}  // namespace mlpe::gemm
