#include "hw/cpuid.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define MLPE_X86 1
#endif

namespace mlpe::hw {

CpuidRegs Cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegs r;
#ifdef MLPE_X86
  // __get_cpuid_max checks the basic (0) or extended (0x80000000) range the leaf belongs to.
  if (__get_cpuid_max(leaf & 0x80000000u, nullptr) < leaf) return r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#else
  (void)leaf;
  (void)subleaf;
#endif
  return r;
}

uint64_t Xcr0() {
#ifdef MLPE_X86
  // xgetbv is only legal when the OS set CR4.OSXSAVE, reported in cpuid(1).ecx bit 27.
  if (!(Cpuid(1).ecx & (1u << 27))) return 0;
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
#else
  return 0;
#endif
}

}  // namespace mlpe::hw
