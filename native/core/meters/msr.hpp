// RAPL through raw MSRs (/dev/cpu/N/msr_safe first, as likwid and energymon do, then /dev/cpu/N/msr).
// Intel: unit 0x606, PKG 0x611, PP0 0x639, PP1 0x641, DRAM 0x619, PLATFORM 0x64D. AMD (Zen):
// unit 0xC0010299, PKG 0xC001029B per package, CORE 0xC001029A per core (summed per package). The
// energy unit is 1/2^ESU J with ESU = bits 12:8 of the unit register; counters are bits 31:0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "meters/selection.hpp"
#include "meters/source.hpp"
#include "meters/sysfs.hpp"

namespace mlpe::meters {

// Register addresses (Intel SDM Vol. 3B §14.9; AMD PPR for family 17h+; likwid registers.h).
namespace msr {
inline constexpr std::uint64_t kIntelPowerUnit = 0x606;
inline constexpr std::uint64_t kIntelPkgEnergy = 0x611;
inline constexpr std::uint64_t kIntelPp0Energy = 0x639;   // cores
inline constexpr std::uint64_t kIntelPp1Energy = 0x641;   // uncore / graphics
inline constexpr std::uint64_t kIntelDramEnergy = 0x619;
inline constexpr std::uint64_t kIntelPlatformEnergy = 0x64D;  // psys
inline constexpr std::uint64_t kAmdPowerUnit = 0xC0010299;
inline constexpr std::uint64_t kAmdCoreEnergy = 0xC001029A;
inline constexpr std::uint64_t kAmdPkgEnergy = 0xC001029B;
}  // namespace msr

struct MsrOptions {
  // Path with %d for the CPU number. Empty: /dev/cpu/%d/msr_safe, then /dev/cpu/%d/msr.
  std::string path_pattern;
  std::string cpu_sysfs_root = "/sys/devices/system/cpu";
  // CPU identity deciding the register set and the DRAM unit quirk; vendor "" means cpuid.
  std::string vendor;  // "GenuineIntel" | "AuthenticAMD" | "HygonGenuine"
  int family = 0, model = 0;
  // File offset of register r is r * register_stride. The msr driver maps one register to each offset
  // (stride 1); a fixture file needs 8 so adjacent registers (AMD's 0xC0010299..0xC001029B) get
  // 8 bytes each instead of overlapping.
  std::uint64_t register_stride = 1;
  // Planes to read. The package register is still probed once at open (it tells RAPL is there) but,
  // left out, is never read again; AMD's per-core registers are not opened unless core is selected.
  DomainSelection domains;
};

// The fixed DRAM energy unit some Intel servers use instead of the unit register's (likwid power.c;
// Linux rapl.c): 2^-16 J on Haswell-EP, Broadwell-EP/DE, Skylake/Cascade Lake-SP, Ice Lake-SP, KNL/KNM.
// 0 when the unit register applies.
double IntelDramUnitQuirkJ(int family, int model);

class MsrSource final : public EnergySource {
 public:
  // Throws METER_UNAVAILABLE (no msr device, unknown vendor, no package counter),
  // METER_PERMISSION_DENIED (needs root / CAP_SYS_RAWIO), METER_DOMAIN_UNAVAILABLE (none of the selected
  // planes) with the fix.
  explicit MsrSource(const MsrOptions& options = {});
  const char* Name() const override { return "msr"; }
  const std::vector<Domain>& Domains() const override { return domains_; }
  const std::vector<Counter>& Counters() const override { return counters_; }
  std::uint64_t ReadRaw(std::size_t counter) override;
  double UpdateIntervalS() const override { return 0.001; }
  std::string Method() const override;
  ReasonFix RootOnly() const override;  // the msr driver's CAP_SYS_RAWIO, or a root-only device mode

 private:
  struct Reg {
    std::size_t fd;  // index into fds_
    std::uint64_t address;
  };
  std::size_t OpenCpu(int cpu);  // index into fds_, opening once per CPU
  std::string pattern_used_;
  std::vector<std::string> patterns_;
  std::vector<Fd> fds_;
  std::vector<int> fd_cpu_;
  std::vector<std::string> fd_path_;
  std::vector<Reg> regs_;
  std::vector<Domain> domains_;
  std::vector<Counter> counters_;
  std::string vendor_;
  std::uint64_t stride_ = 1;
};

}  // namespace mlpe::meters
