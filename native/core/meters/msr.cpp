#include "meters/msr.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "common/error.hpp"
#include "hw/cpu.hpp"
#include "meters/explain.hpp"
#include "meters/topology.hpp"

namespace mlpe::meters {

namespace {

// Energy status registers hold the count in bits 31:0 (Intel SDM "Total Energy Consumed (bits 31:0)").
// Zen 4/5 may implement 64 bits (unconfirmed): taking the low 32 bits and the 2^32 modulus is right for
// either width as long as reads come faster than a 32-bit wrap, which the poller guarantees.
constexpr std::uint64_t kCounterMask = 0xFFFFFFFFull;
constexpr std::uint64_t kCounterModulus = 1ull << 32;

double EnergyUnitJ(std::uint64_t unit_register) {
  const int esu = static_cast<int>((unit_register >> 8) & 0x1F);  // bits 12:8
  return std::ldexp(1.0, -esu);
}

std::string Expand(const std::string& pattern, int cpu) {
  std::string out = pattern;
  const auto at = out.find("%d");
  if (at != std::string::npos) out.replace(at, 2, std::to_string(cpu));
  return out;
}

}  // namespace

double IntelDramUnitQuirkJ(int family, int model) {
  if (family != 6) return 0;
  switch (model) {
    case 0x3F:  // Haswell-EP
    case 0x4F:  // Broadwell-EP
    case 0x56:  // Broadwell-DE
    case 0x55:  // Skylake-SP, Cascade Lake-SP, Cooper Lake
    case 0x6A:  // Ice Lake-SP
    case 0x6C:  // Ice Lake-D
    case 0x57:  // Knights Landing
    case 0x85:  // Knights Mill
      return std::ldexp(1.0, -16);  // 15.3 uJ
    default:
      return 0;  // Sapphire Rapids and later use the unit register (61 uJ), as do clients
  }
}

std::size_t MsrSource::OpenCpu(int cpu) {
  for (std::size_t i = 0; i < fd_cpu_.size(); ++i)
    if (fd_cpu_[i] == cpu) return i;
  int best_err = 0;
  std::string best_path;
  for (const std::string& pattern : patterns_) {
    const std::string path = Expand(pattern, cpu);
    int err = 0;
    Fd fd = OpenReadOnly(path, &err);
    if (fd.valid()) {
      fds_.push_back(std::move(fd));
      fd_cpu_.push_back(cpu);
      fd_path_.push_back(path);
      pattern_used_ = pattern;
      return fds_.size() - 1;
    }
    // A permission error says more than "no msr_safe here": keep it; otherwise report the last path tried.
    if (best_path.empty() || err == EACCES || err == EPERM || (best_err != EACCES && best_err != EPERM)) {
      best_err = err;
      best_path = path;
    }
  }
  throw ExplainMsr(best_path, best_err);
}

MsrSource::MsrSource(const MsrOptions& options) : stride_(options.register_stride) {
  if (stride_ != 1 && stride_ != 8) throw Error("INVALID_OPTION", "MSR register_stride must be 1 (the msr driver) or 8 (a fixture file)");
  patterns_ = options.path_pattern.empty()
                  ? std::vector<std::string>{"/dev/cpu/%d/msr_safe", "/dev/cpu/%d/msr"}
                  : std::vector<std::string>{options.path_pattern};
  vendor_ = options.vendor;
  int family = options.family, model = options.model;
  if (vendor_.empty()) {
    const auto& cpu = hw::Cpu();
    vendor_ = cpu.vendor;
    family = cpu.family;
    model = cpu.model;
  }
  const bool amd = vendor_ == "AuthenticAMD" || vendor_ == "HygonGenuine";
  const bool intel = vendor_ == "GenuineIntel";
  if (!intel && !amd) {
    throw Error("METER_UNAVAILABLE",
                "RAPL MSRs exist on Intel and AMD CPUs only; this CPU reports vendor \"" + vendor_ +
                    "\". Fix: use another source",
                ErrorKind::System);
  }
  if (amd && family < 0x17) {
    throw Error("METER_UNAVAILABLE",
                "AMD RAPL MSRs start with Zen (family 17h); this CPU is family " + std::to_string(family) +
                    ". Fix: use another source",
                ErrorKind::System);
  }
  const auto cpus = ReadTopology(options.cpu_sysfs_root);
  const auto cores = FirstCpuPerCore(cpus);
  const double dram_quirk = intel ? IntelDramUnitQuirkJ(family, model) : 0;

  const auto packages = FirstCpuPerPackage(cpus);
  OfferedKinds offered;
  for (const CpuPlace& pkg : packages) {
    const std::size_t fd = OpenCpu(pkg.cpu);
    std::uint64_t unit_register = 0;
    try {
      unit_register = PreadU64(fds_[fd].get(), (amd ? msr::kAmdPowerUnit : msr::kIntelPowerUnit) * stride_, fd_path_[fd]);
    } catch (const Error& e) {
      throw Error("METER_UNAVAILABLE",
                  std::string(e.what()) + ": the RAPL power unit register cannot be read, so this CPU (or VM) has no "
                                          "RAPL through MSRs. Fix: use another source",
                  ErrorKind::System);
    }
    const double unit = EnergyUnitJ(unit_register);
    const std::string package_key = "package-" + std::to_string(pkg.package);

    // Adds counter (fd, address) to domain `key`, creating it, when its kind is selected; returns whether
    // the register is live. A register that cannot be read or reads exactly 0 is taken as absent:
    // unsupported planes read 0 or fault, a live counter is never 0.
    auto add = [&](std::size_t on_fd, std::uint64_t address, const std::string& key, DomainKind kind,
                   const std::string& included_in, bool in_total, double joules) {
      std::uint64_t probe = 0;
      try {
        probe = PreadU64(fds_[on_fd].get(), address * stride_, fd_path_[on_fd]) & kCounterMask;
      } catch (const Error&) {
        return false;
      }
      if (probe == 0) return false;
      offered.Add(kind);
      if (!options.domains.Wants(kind)) return true;  // there, but not selected: never read again
      std::size_t d = domains_.size();
      for (std::size_t i = 0; i < domains_.size(); ++i)
        if (domains_[i].key == key) d = i;
      if (d == domains_.size()) domains_.push_back({key, kind, pkg.package, included_in, in_total});
      Counter c;
      c.domain = d;
      c.reading = Reading::Energy;
      c.modulus = kCounterModulus;
      c.joules_per_count = joules;
      counters_.push_back(c);
      regs_.push_back({on_fd, address});
      return true;
    };

    const std::string n = std::to_string(pkg.package);
    if (!add(fd, amd ? msr::kAmdPkgEnergy : msr::kIntelPkgEnergy, package_key, DomainKind::Package, "", true, unit)) {
      throw Error("METER_UNAVAILABLE",
                  fd_path_[fd] + " has no package energy counter (it reads 0 or faults): no RAPL through MSRs on this "
                                 "CPU (VMs do not emulate it). Fix: use another source",
                  ErrorKind::System);
    }
    if (intel) {
      add(fd, msr::kIntelPp0Energy, "core-" + n, DomainKind::Core, package_key, false, unit);
      add(fd, msr::kIntelPp1Energy, "uncore-" + n, DomainKind::Uncore, package_key, false, unit);
      add(fd, msr::kIntelDramEnergy, "dram-" + n, DomainKind::Dram, "", true, dram_quirk > 0 ? dram_quirk : unit);
      if (&pkg == &packages.front()) {  // PLATFORM is one counter for the whole board
        add(fd, msr::kIntelPlatformEnergy, "psys", DomainKind::Psys, "", false, unit);
      }
    } else {
      // Zen's core counter is per core: sum every core of this package (likwid PR #402).
      // Left out, only the first core is probed (its CPU is normally the package's, already open), to
      // say core is there.
      for (const CpuPlace& core : cores) {
        if (core.package != pkg.package) continue;
        if (!add(OpenCpu(core.cpu), msr::kAmdCoreEnergy, "core-" + n, DomainKind::Core, package_key, false, unit)) break;
        if (!options.domains.Wants(DomainKind::Core)) break;
      }
    }
  }
  if (domains_.empty()) throw offered.NothingSelected("msr", options.domains);
}

std::uint64_t MsrSource::ReadRaw(std::size_t counter) {
  const Reg& r = regs_[counter];
  return PreadU64(fds_[r.fd].get(), r.address * stride_, fd_path_[r.fd]) & kCounterMask;
}

ReasonFix MsrSource::RootOnly() const {
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    struct stat st;
    if (::fstat(fds_[i].get(), &st) != 0) continue;
    ReasonFix note = MsrRootOnly(fd_path_[i], pattern_used_, st.st_mode, ::geteuid());
    if (!note.reason.empty()) return note;
  }
  return {};
}

std::string MsrSource::Method() const {
  return "RAPL energy status MSRs (" + vendor_ + ") read from " + pattern_used_ + ", 32-bit counters extended across wraps";
}

}  // namespace mlpe::meters
