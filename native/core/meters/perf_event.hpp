// RAPL through perf_event_open on the `power` PMU: type, event configs and scale come from sysfs
// (/sys/bus/event_source/devices/power), one system-wide counter per event per CPU in the PMU's cpumask
// (one CPU per package). The kernel folds the 32-bit MSR into a 64-bit count on an hrtimer, so these
// counters do not wrap and need no polling.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "meters/selection.hpp"
#include "meters/source.hpp"
#include "meters/sysfs.hpp"

namespace mlpe::meters {

struct PerfOptions {
  std::string root = "/sys/bus/event_source/devices/power";
  std::string paranoid_path = "/proc/sys/kernel/perf_event_paranoid";
  DomainSelection domains;  // planes to read; the other events are never opened
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
  void StartEdge() override;
  double UpdateIntervalS() const override { return 0.001; }
  std::string Method() const override;
  ReasonFix RootOnly() const override;  // root bypasses perf_event_paranoid
  // read() calls per edge: one per CPU whose events form a group (else one per event).
  std::size_t ReadsPerEdge() const { return groups_.size(); }

 private:
  // The events of one CPU in one perf group: a single read() of the leader (PERF_FORMAT_GROUP) returns
  // every member's count, so an edge costs one system call per package instead of one per event.
  struct Group {
    int fd = -1;  // the leader's (owned by fds_)
    int cpu = 0;
    std::vector<std::uint64_t> values;  // per member; buffer: {nr, values...} as the kernel writes it
    bool fresh = false;                 // read since the last StartEdge
  };
  void ReadGroup(Group& g, std::size_t counter);
  std::string root_;
  int paranoid_;  // perf_event_paranoid at open; INT_MIN when unreadable
  std::vector<Domain> domains_;
  std::vector<Counter> counters_;
  std::vector<Fd> fds_;
  std::vector<std::string> labels_;
  std::vector<Group> groups_;
  std::vector<std::size_t> group_of_, member_of_;  // per counter
};

}  // namespace mlpe::meters
