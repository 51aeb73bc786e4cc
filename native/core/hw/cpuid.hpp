// Raw cpuid / xgetbv access, the only place in the core that touches these instructions.
// On non-x86 builds every query reports "absent" so callers fall back to the portable paths.
#pragma once
#include <cstdint>

namespace mlpe::hw {

struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// cpuid(leaf, subleaf); all zero when the leaf is beyond the CPU's maximum or not on x86.
CpuidRegs Cpuid(uint32_t leaf, uint32_t subleaf = 0);

// XCR0 (which register states the OS saves on context switch); 0 when XSAVE is not enabled by the OS.
uint64_t Xcr0();

}  // namespace mlpe::hw
