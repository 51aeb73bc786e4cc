// Tiling validation: every rule a tiling must obey, each error naming the rule and the fix.
#include "gemm/tiling.hpp"

#include "common/error.hpp"
#include "gemm/kernels.hpp"
#include "hw/cpu.hpp"

namespace mlpe::gemm {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "reference";
  }
}

bool ParseIsa(const std::string& name, Isa* isa) {
  for (Isa candidate : {Isa::Reference, Isa::Avx2, Isa::Avx512})
    if (name == IsaName(candidate)) {
      *isa = candidate;
      return true;
    }
  return false;
}

namespace {
bool Compiled(Isa isa) {
  for (const auto& k : MicroKernels())
    if (k.isa == isa) return true;
  return false;
}
}  // namespace

bool IsaAvailable(Isa isa) {
  // Cached: called on every sgemm through Validate.
  static const bool avx512 = Compiled(Isa::Avx512) && hw::Cpu().UsableAvx512();
  static const bool avx2 = Compiled(Isa::Avx2) && hw::Cpu().UsableAvx2();
  switch (isa) {
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: return true;
  }
}

Isa BestIsa() {
  if (IsaAvailable(Isa::Avx512)) return Isa::Avx512;
  if (IsaAvailable(Isa::Avx2)) return Isa::Avx2;
  return Isa::Reference;
}

std::string OfferedTiles(Isa isa) {
  std::string list;
  for (const auto& k : MicroKernels())
    if (k.isa == isa) list += (list.empty() ? "" : ", ") + std::to_string(k.mr) + "x" + std::to_string(k.nr);
  return list;
}

namespace {

[[noreturn]] void Invalid(const std::string& message) { throw Error("INVALID_TILING", message); }

// "use 96 or 102": the nearest multiples of `of` around `value`.
std::string Nearest(int value, int of) {
  const int below = value / of * of, above = below + of;
  return below >= of ? "use " + std::to_string(below) + " or " + std::to_string(above)
                     : "use " + std::to_string(above);
}

}  // namespace

void Validate(const Tiling& t) {
  if (t.isa != Isa::Reference && t.isa != Isa::Avx2 && t.isa != Isa::Avx512)
    Invalid("isa must be one of reference, avx2, avx512");
  if (!IsaAvailable(t.isa)) {
    throw Error("ISA_UNAVAILABLE", std::string("isa ") + IsaName(t.isa) +
                                       " is not available on this CPU/OS (cpuid or XCR0 lacks it); use isa " +
                                       IsaName(BestIsa()) + " or omit isa to get the best available");
  }
  if (t.threads < 1 || t.threads > kMaxThreads)
    Invalid("threads must be between 1 and " + std::to_string(kMaxThreads) + " (got " +
            std::to_string(t.threads) + ")");
  if (!FindMicroKernel(t.isa, t.mr, t.nr))
    Invalid("micro-tile mr×nr = " + std::to_string(t.mr) + "x" + std::to_string(t.nr) + " is not offered by isa " +
            IsaName(t.isa) + "; use one of " + OfferedTiles(t.isa));
  if (t.kc < 1 || t.kc > kMaxKc)
    Invalid("kc must be between 1 and " + std::to_string(kMaxKc) + " (got " + std::to_string(t.kc) + ")");
  if (t.mc < t.mr || t.mc > kMaxMc)
    Invalid("mc must be between mr=" + std::to_string(t.mr) + " and " + std::to_string(kMaxMc) + " (got " +
            std::to_string(t.mc) + ")");
  if (t.mc % t.mr != 0)
    Invalid("mc=" + std::to_string(t.mc) + " is not a multiple of mr=" + std::to_string(t.mr) +
            " (the A block is packed in mr-tall micro-panels); " + Nearest(t.mc, t.mr));
  if (t.nc < t.nr || t.nc > kMaxNc)
    Invalid("nc must be between nr=" + std::to_string(t.nr) + " and " + std::to_string(kMaxNc) + " (got " +
            std::to_string(t.nc) + ")");
  if (t.nc % t.nr != 0)
    Invalid("nc=" + std::to_string(t.nc) + " is not a multiple of nr=" + std::to_string(t.nr) +
            " (the B panel is packed in nr-wide micro-panels); " + Nearest(t.nc, t.nr));
}

}  // namespace mlpe::gemm
