// RAPL through the Linux powercap sysfs tree (/sys/class/powercap/intel-rapl:*; AMD Zen uses the same
// names). One counter per zone: energy_uj, kept open and pread; it wraps after max_energy_range_uj.
#pragma once
#include <string>
#include <vector>

#include "meters/selection.hpp"
#include "meters/source.hpp"
#include "meters/sysfs.hpp"

namespace mlpe::meters {

struct PowercapOptions {
  std::string root = "/sys/class/powercap";  // a fixture directory in tests
  DomainSelection domains;                   // planes to read; the rest are never opened
};

class PowercapSource final : public EnergySource {
 public:
  // Discovers intel-rapl:N and intel-rapl:N:M zones (and intel-rapl-mmio:N, preferred when it duplicates
  // an MSR-backed zone, as CodeCarbon does). Throws METER_UNAVAILABLE (no zones), METER_PERMISSION_DENIED
  // (energy_uj root-only), METER_READ_FAILED (malformed attribute) or METER_DOMAIN_UNAVAILABLE (no zone
  // of the selected kinds) with the fix.
  explicit PowercapSource(const PowercapOptions& options = {});

  const char* Name() const override { return "powercap"; }
  const std::vector<Domain>& Domains() const override { return domains_; }
  const std::vector<Counter>& Counters() const override { return counters_; }
  std::uint64_t ReadRaw(std::size_t counter) override;
  double UpdateIntervalS() const override { return 0.001; }  // RAPL refreshes about every 1 ms (Intel SDM)
  std::string Method() const override;
  ReasonFix RootOnly() const override;  // an energy_uj that only root may read
  // The zone directory behind each counter (for messages and `info`).
  const std::vector<std::string>& ZonePaths() const { return zone_paths_; }

 private:
  std::string root_;
  std::vector<Domain> domains_;
  std::vector<Counter> counters_;
  std::vector<Fd> fds_;
  std::vector<std::string> zone_paths_;
  std::vector<std::string> energy_paths_;
};

}  // namespace mlpe::meters
