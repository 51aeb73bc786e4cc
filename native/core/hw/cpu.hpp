// What the CPU is and which vector ISAs are usable: an ISA counts only when the CPU has it AND the OS
// saves its registers (XCR0), otherwise the first AVX-512 instruction would fault.
#pragma once
#include <string>

namespace mlpe::hw {

struct CpuInfo {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ... ("" off x86)
  std::string brand;   // cpuid 0x80000002..4 brand string, trimmed
  int family = 0, model = 0, stepping = 0;
  int logical_cores = 1;  // online CPUs this process may run on
  // CPU feature bits (cpuid), before the OS check.
  bool sse2 = false, avx = false, fma = false, avx2 = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  // OS support (XCR0): YMM state for AVX/AVX2, opmask + ZMM state for AVX-512.
  bool os_avx = false, os_avx512 = false;
  // Usable = CPU has it and the OS saves its state.
  bool UsableAvx2() const { return avx2 && fma && os_avx; }
  bool UsableAvx512() const { return avx512f && avx512bw && avx512dq && avx512vl && fma && os_avx512; }
};

// Detected once, then cached.
const CpuInfo& Cpu();

}  // namespace mlpe::hw
