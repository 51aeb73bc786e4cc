// RAPL through perf_event_open on the `power` PMU: type, event configs and scale come from sysfs
// (/sys/bus/event_source/devices/power), one system-wide counter per event per CPU in the PMU's cpumask
// (one CPU per package). The kernel folds the 32-bit MSR into a 64-bit count on an hrtimer, so these
// counters do not wrap and need no polling.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "meters/source.hpp"
#include "meters/sysfs.hpp"

namespace mlpe::meters {

struct PerfOptions {
  std::string root = "/sys/bus/event_source/devices/power";
  std::string paranoid_path = "/proc/sys/kernel/perf_event_paranoid";
};

// What sysfs says about the PMU, before anything is opened.
struct PerfEventSpec {
  std::string name;      // "energy-pkg"
  std::uint64_t config = 0;
  double scale = 0;      // joules per count (2^-32 on RAPL)
  std::string unit;      // "Joules"
};
struct PerfPmu {
  int type = 0;
  std::vector<int> cpus;  // from cpumask
  std::vector<PerfEventSpec> events;
};

// Parses root/type, root/cpumask and root/events/{name,name.scale,name.unit}. Throws METER_UNAVAILABLE
// (no such PMU) or METER_READ_FAILED (malformed file, naming it).
PerfPmu ReadPerfPmu(const std::string& root);
// "0,28" / "0-3,8" -> cpu list; nullopt on malformed text.
std::optional<std::vector<int>> ParseCpuList(const std::string& text);
// "event=0x02" / "event=0x02,umask=0x1" -> the event field; nullopt otherwise.
std::optional<std::uint64_t> ParseEventConfig(const std::string& text);

class PerfEventSource final : public EnergySource {
 public:
  explicit PerfEventSource(const PerfOptions& options = {});
  const char* Name() const override { return "perf_event"; }
  const std::vector<Domain>& Domains() const override { return domains_; }
  const std::vector<Counter>& Counters() const override { return counters_; }
  std::uint64_t ReadRaw(std::size_t counter) override;
  double UpdateIntervalS() const override { return 0.001; }
  std::string Method() const override;
  ReasonFix RootOnly() const override;  // root bypasses perf_event_paranoid

 private:
  std::string root_;
  int paranoid_;  // perf_event_paranoid at open; INT_MIN when unreadable
  std::vector<Domain> domains_;
  std::vector<Counter> counters_;
  std::vector<Fd> fds_;
  std::vector<std::string> labels_;
};

}  // namespace mlpe::meters
