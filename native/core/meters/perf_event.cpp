#include "meters/perf_event.hpp"

#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "meters/explain.hpp"

namespace mlpe::meters {

namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Error Malformed(const std::string& path, const std::string& text, const char* expected) {
  return Error("METER_READ_FAILED", path + " holds \"" + Trim(text) + "\", expected " + expected, ErrorKind::System);
}

// Domain of a RAPL perf event name (Linux arch/x86/events/rapl.c).
bool DomainOf(const std::string& event, DomainKind* kind, const char** prefix) {
  struct Row {
    const char* event;
    DomainKind kind;
    const char* prefix;
  };
  static const Row rows[] = {{"energy-pkg", DomainKind::Package, "package"}, {"energy-cores", DomainKind::Core, "core"},
                             {"energy-gpu", DomainKind::Uncore, "uncore"},   {"energy-ram", DomainKind::Dram, "dram"},
                             {"energy-psys", DomainKind::Psys, "psys"}};
  for (const Row& r : rows) {
    if (event == r.event) {
      *kind = r.kind;
      *prefix = r.prefix;
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::vector<int>> ParseCpuList(const std::string& text) {
  std::vector<int> cpus;
  const std::string t = Trim(text);
  if (t.empty()) return std::nullopt;
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t end = t.find(',', i);
    if (end == std::string::npos) end = t.size();
    const std::string item = t.substr(i, end - i);
    const std::size_t dash = item.find('-');
    auto lo = ParseU64(item.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : ParseU64(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi > 1u << 20) return std::nullopt;
    for (std::uint64_t c = *lo; c <= *hi; ++c) cpus.push_back(static_cast<int>(c));
    i = end + 1;
  }
  return cpus;
}

std::optional<std::uint64_t> ParseEventConfig(const std::string& text) {
  const std::string t = Trim(text);
  const std::string key = "event=";
  if (t.compare(0, key.size(), key) != 0) return std::nullopt;
  std::string value = t.substr(key.size(), t.find(',') == std::string::npos ? std::string::npos : t.find(',') - key.size());
  if (value.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(value.c_str(), &end, 0);  // "0x02" or "2"
  if (errno != 0 || end == value.c_str() || *end != '\0') return std::nullopt;
  return v;
}

PerfPmu ReadPerfPmu(const std::string& root) {
  PerfPmu pmu;
  int err = 0;
  auto type_text = ReadText(root + "/type", &err);
  if (!type_text) {
    throw Error("METER_UNAVAILABLE",
                "no perf power PMU: " + root + "/type " + (err == ENOENT ? "does not exist" : std::strerror(err)) +
                    " (no RAPL perf events in this kernel, or a VM). Fix: on bare metal use Linux >= 3.14 (Intel) or "
                    ">= 5.8 (AMD Zen); otherwise use another source",
                ErrorKind::System);
  }
  auto type = ParseU64(*type_text);
  if (!type || *type > INT_MAX) throw Malformed(root + "/type", *type_text, "a PMU type number");
  pmu.type = static_cast<int>(*type);
  auto mask_text = ReadText(root + "/cpumask", &err);
  if (!mask_text) throw Malformed(root + "/cpumask", "", "a CPU list (file unreadable)");
  auto cpus = ParseCpuList(*mask_text);
  if (!cpus) throw Malformed(root + "/cpumask", *mask_text, "a CPU list like \"0,28\"");
  pmu.cpus = *cpus;

  const std::string events_dir = root + "/events";
  DIR* dir = ::opendir(events_dir.c_str());
  if (!dir) throw Error("METER_UNAVAILABLE", events_dir + " is missing: the power PMU lists no events", ErrorKind::System);
  std::vector<std::string> names;
  while (dirent* ent = ::readdir(dir)) {
    const std::string name = ent->d_name;
    if (name.rfind("energy-", 0) == 0 && name.find('.') == std::string::npos) names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string base = events_dir + "/" + name;
    auto config_text = ReadText(base);
    auto scale_text = ReadText(base + ".scale");
    auto unit_text = ReadText(base + ".unit");
    if (!config_text) continue;
    auto config = ParseEventConfig(*config_text);
    if (!config) throw Malformed(base, *config_text, "\"event=0x..\"");
    if (!scale_text) throw Malformed(base + ".scale", "", "a scale (file unreadable)");
    char* end = nullptr;
    const std::string scale_str = Trim(*scale_text);
    const double scale = std::strtod(scale_str.c_str(), &end);
    if (end == scale_str.c_str() || *end != '\0' || !(scale > 0)) throw Malformed(base + ".scale", *scale_text, "a positive number");
    const std::string unit = unit_text ? Trim(*unit_text) : "Joules";
    if (unit != "Joules") throw Malformed(base + ".unit", unit, "\"Joules\"");
    pmu.events.push_back({name, *config, scale, unit});
  }
  if (pmu.events.empty()) throw Error("METER_UNAVAILABLE", events_dir + " lists no energy-* events", ErrorKind::System);
  return pmu;
}

PerfEventSource::PerfEventSource(const PerfOptions& options) : root_(options.root) {
  const PerfPmu pmu = ReadPerfPmu(root_);
  int paranoid = INT_MIN;
  if (auto text = ReadText(options.paranoid_path)) {
    const std::string t = Trim(*text);
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, 10);
    if (end != t.c_str() && *end == '\0') paranoid = static_cast<int>(v);
  }
  paranoid_ = paranoid;
  OfferedKinds offered;
  for (const PerfEventSpec& ev : pmu.events) {
    DomainKind kind;
    const char* prefix;
    if (!DomainOf(ev.name, &kind, &prefix)) continue;  // an event this version does not know
    offered.Add(kind);
    if (!options.domains.Wants(kind)) continue;  // not selected: no perf_event_open
    for (std::size_t p = 0; p < pmu.cpus.size(); ++p) {
      if (kind == DomainKind::Psys && p > 0) break;  // one platform counter
      perf_event_attr attr;
      std::memset(&attr, 0, sizeof attr);
      attr.type = static_cast<std::uint32_t>(pmu.type);
      attr.size = sizeof attr;
      attr.config = ev.config;
      attr.read_format = PERF_FORMAT_GROUP;  // a read of the leader returns {nr, every member's count}
      const int cpu = pmu.cpus[p];
      // System-wide (pid -1) on one CPU of the package: the only mode the RAPL PMU accepts. Join the
      // CPU's group when there is one; a kernel that refuses the group gets a group of its own.
      std::size_t g = groups_.size();
      for (std::size_t i = 0; i < groups_.size(); ++i)
        if (groups_[i].cpu == cpu) g = i;
      long fd = -1;
      if (g < groups_.size()) {
        fd = ::syscall(SYS_perf_event_open, &attr, -1, cpu, groups_[g].fd, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0) g = groups_.size();
      }
      if (fd < 0) fd = ::syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
      if (fd < 0) throw ExplainPerfOpen(ev.name, errno, pmu.type, paranoid);
      if (g == groups_.size()) {
        Group leader;
        leader.fd = static_cast<int>(fd);
        leader.cpu = cpu;
        groups_.push_back(leader);
      }
      group_of_.push_back(g);
      member_of_.push_back(groups_[g].values.size());
      groups_[g].values.push_back(0);
      Domain d;
      d.kind = kind;
      d.device = static_cast<int>(p);
      d.key = kind == DomainKind::Psys ? std::string("psys") : std::string(prefix) + "-" + std::to_string(p);
      d.included_in = kind == DomainKind::Core || kind == DomainKind::Uncore ? "package-" + std::to_string(p) : "";
      d.in_total = kind == DomainKind::Package || kind == DomainKind::Dram;
      Counter c;
      c.domain = domains_.size();
      c.reading = Reading::Energy;
      c.modulus = 0;  // 64-bit, extended by the kernel
      c.joules_per_count = ev.scale;
      domains_.push_back(d);
      counters_.push_back(c);
      fds_.emplace_back(static_cast<int>(fd));
      labels_.push_back(ev.name + " on CPU " + std::to_string(pmu.cpus[p]));
    }
  }
  if (domains_.empty() && !options.domains.All()) throw offered.NothingSelected("perf_event", options.domains);
  if (domains_.empty()) throw Error("METER_UNAVAILABLE", root_ + " has no RAPL energy events this version knows", ErrorKind::System);
}

void PerfEventSource::StartEdge() {
  for (Group& g : groups_) g.fresh = false;
}

void PerfEventSource::ReadGroup(Group& g, std::size_t counter) {
  // {nr, value[0..nr)}: small enough for the stack, so a read allocates nothing.
  constexpr std::size_t kMaxMembers = 15;
  std::uint64_t buf[1 + kMaxMembers];
  const std::size_t members = g.values.size();
  const std::size_t bytes = (1 + members) * sizeof(std::uint64_t);
  ssize_t n = -1;
  if (members <= kMaxMembers) {
    do n = ::read(g.fd, buf, bytes);
    while (n < 0 && errno == EINTR);
  } else {
    errno = E2BIG;  // more RAPL events on one CPU than the kernel defines: not a real PMU
  }
  if (n != static_cast<ssize_t>(bytes) || buf[0] != members) {
    throw Error("METER_READ_FAILED",
                "reading perf counter " + labels_[counter] + " failed: " +
                    (n < 0 ? std::string(std::strerror(errno)) : "short group read"),
                ErrorKind::System);
  }
  for (std::size_t i = 0; i < members; ++i) g.values[i] = buf[1 + i];
  g.fresh = true;
}

std::uint64_t PerfEventSource::ReadRaw(std::size_t counter) {
  Group& g = groups_[group_of_[counter]];
  if (!g.fresh) ReadGroup(g, counter);
  return g.values[member_of_[counter]];
}

ReasonFix PerfEventSource::RootOnly() const { return PerfRootOnly(paranoid_, ::geteuid()); }

std::string PerfEventSource::Method() const {
  return "RAPL perf events (" + root_ + "), 64-bit counts extended by the kernel";
}

}  // namespace mlpe::meters
