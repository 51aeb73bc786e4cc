#include "hw/cpu.hpp"

#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "hw/cpuid.hpp"

namespace mlpe::hw {

namespace {

bool Bit(uint32_t reg, int bit) { return (reg >> bit) & 1u; }

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(' ');
  const auto last = s.find_last_not_of(' ');
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

int LogicalCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (online > 0) return static_cast<int>(online);
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

CpuInfo Detect() {
  CpuInfo info;
  info.logical_cores = LogicalCores();
  const CpuidRegs v = Cpuid(0);
  if (v.eax == 0) return info;  // not x86, or cpuid unusable
  char vendor[13] = {};
  std::memcpy(vendor + 0, &v.ebx, 4);
  std::memcpy(vendor + 4, &v.edx, 4);
  std::memcpy(vendor + 8, &v.ecx, 4);
  info.vendor = vendor;

  const CpuidRegs l1 = Cpuid(1);
  const int base_family = (l1.eax >> 8) & 0xf;
  const int base_model = (l1.eax >> 4) & 0xf;
  // Extended family/model apply for family 0xf (and model also for family 6 on Intel).
  info.family = base_family == 0xf ? base_family + ((l1.eax >> 20) & 0xff) : base_family;
  info.model = (base_family == 0xf || base_family == 6) ? base_model + (((l1.eax >> 16) & 0xf) << 4) : base_model;
  info.stepping = l1.eax & 0xf;
  info.sse2 = Bit(l1.edx, 26);
  info.fma = Bit(l1.ecx, 12);
  info.avx = Bit(l1.ecx, 28);

  const CpuidRegs l7 = Cpuid(7, 0);
  info.avx2 = Bit(l7.ebx, 5);
  info.avx512f = Bit(l7.ebx, 16);
  info.avx512dq = Bit(l7.ebx, 17);
  info.avx512bw = Bit(l7.ebx, 30);
  info.avx512vl = Bit(l7.ebx, 31);

  // XCR0 bits: 1 SSE, 2 AVX (YMM upper), 5 opmask, 6 ZMM_Hi256, 7 Hi16_ZMM.
  const uint64_t xcr0 = Xcr0();
  info.os_avx = info.avx && (xcr0 & 0x6) == 0x6;
  info.os_avx512 = info.os_avx && (xcr0 & 0xe0) == 0xe0;

  char brand[49] = {};
  if (Cpuid(0x80000000).eax >= 0x80000004) {
    for (uint32_t i = 0; i < 3; ++i) {
      const CpuidRegs r = Cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i + 0, &r.eax, 4);
      std::memcpy(brand + 16 * i + 4, &r.ebx, 4);
      std::memcpy(brand + 16 * i + 8, &r.ecx, 4);
      std::memcpy(brand + 16 * i + 12, &r.edx, 4);
    }
  }
  info.brand = Trim(brand);
  return info;
}

}  // namespace

const CpuInfo& Cpu() {
  static const CpuInfo info = Detect();
  return info;
}

}  // namespace mlpe::hw
