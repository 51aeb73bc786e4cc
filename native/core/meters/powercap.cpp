#include "meters/powercap.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

#include "common/error.hpp"
#include "meters/explain.hpp"

namespace mlpe::meters {

namespace {

struct Zone {
  std::string dir;       // entry name: intel-rapl:0:1
  bool mmio = false;
  int package_zone = 0;  // N of intel-rapl:N
  int sub = -1;          // M of intel-rapl:N:M, -1 for a top-level zone
};

std::optional<Zone> ParseZoneName(const std::string& entry) {
  static const std::regex re(R"(^intel-rapl(-mmio)?:(\d+)(?::(\d+))?$)");
  std::smatch m;
  if (!std::regex_match(entry, m, re)) return std::nullopt;
  Zone z;
  z.dir = entry;
  z.mmio = m[1].matched;
  z.package_zone = std::stoi(m[2].str());
  z.sub = m[3].matched ? std::stoi(m[3].str()) : -1;
  return z;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// Domain from a zone's `name`: package-N[-die-M], core, uncore, dram, psys. Children take the package
// index of their parent. Package contains core and uncore but not dram (DRAM is a separate plane even
// though sysfs lists it under the package); psys contains package and more, so it stays out of totals.
Domain DomainFor(const std::string& name, int parent_device, const std::string& parent_key, bool child) {
  Domain d;
  static const std::regex package_re(R"(^package-(\d+)(-die-\d+)?$)");
  std::smatch m;
  if (std::regex_match(name, m, package_re)) {
    d.kind = DomainKind::Package;
    d.device = std::stoi(m[1].str());
    d.key = name;
    return d;
  }
  d.device = child ? parent_device : 0;
  const std::string suffix = child ? "-" + std::to_string(d.device) : "";
  if (name == "core" || name == "uncore") {
    d.kind = name == "core" ? DomainKind::Core : DomainKind::Uncore;
    d.included_in = parent_key;
    d.in_total = false;
  } else if (name == "dram") {
    d.kind = DomainKind::Dram;
  } else if (name == "psys") {
    d.kind = DomainKind::Psys;
    d.in_total = false;  // psys covers package and more: never summed with it
  } else {
    // Unknown plane: report it, keep it out of totals (we cannot tell what it overlaps).
    d.kind = DomainKind::Uncore;
    d.included_in = parent_key;
    d.in_total = false;
  }
  d.key = name + suffix;
  return d;
}

}  // namespace

PowercapSource::PowercapSource(const PowercapOptions& options) : root_(options.root) {
  DIR* dir = ::opendir(root_.c_str());
  if (!dir) {
    int e = errno;
    throw ExplainPowercap(root_, e, root_);
  }
  std::vector<Zone> zones;
  while (dirent* ent = ::readdir(dir)) {
    if (auto z = ParseZoneName(ent->d_name)) zones.push_back(*z);
  }
  ::closedir(dir);
  // Parents before children, packages in index order: stable domain order across runs.
  std::sort(zones.begin(), zones.end(), [](const Zone& a, const Zone& b) {
    return std::tie(a.mmio, a.package_zone, a.sub) < std::tie(b.mmio, b.package_zone, b.sub);
  });
  if (zones.empty()) {
    throw Error("METER_UNAVAILABLE",
                root_ + " has no intel-rapl zones: no RAPL here, likely a VM or a container. Fix: on bare metal run "
                        "`sudo modprobe intel_rapl_msr` (AMD Zen needs Linux >= 5.11)",
                ErrorKind::System);
  }

  std::map<std::string, std::size_t> by_key;              // domain key -> index in domains_
  std::map<std::pair<bool, int>, std::pair<int, std::string>> parents;  // (mmio, N) -> (device, key)
  OfferedKinds offered;
  for (const Zone& z : zones) {
    const std::string zdir = root_ + "/" + z.dir;
    int err = 0;
    auto name = ReadText(zdir + "/name", &err);
    if (!name) throw ExplainPowercap(zdir + "/name", err, root_);
    const bool child = z.sub >= 0;
    auto parent = parents.find({z.mmio, z.package_zone});
    if (child && parent == parents.end()) continue;  // orphan subzone: no package to attribute it to
    Domain d = DomainFor(Trim(*name), child ? parent->second.first : 0, child ? parent->second.second : "", child);
    // A package left out still names its children's package (their included_in and device).
    if (!child) parents[{z.mmio, z.package_zone}] = {d.device, d.key};
    offered.Add(d.kind);
    if (!options.domains.Wants(d.kind)) continue;  // not selected: its energy_uj is never opened

    auto range_text = ReadText(zdir + "/max_energy_range_uj", &err);
    if (!range_text) throw ExplainPowercap(zdir + "/max_energy_range_uj", err, root_);
    auto range = ParseU64(*range_text);
    if (!range || *range == 0) {
      throw Error("METER_READ_FAILED",
                  zdir + "/max_energy_range_uj holds \"" + Trim(*range_text) +
                      "\", not a positive integer: cannot tell where the counter wraps",
                  ErrorKind::System);
    }

    const std::string energy = zdir + "/energy_uj";
    Fd fd = OpenReadOnly(energy, &err);
    if (!fd.valid()) throw ExplainPowercap(energy, err, root_);
    PreadDecimal(fd.get(), energy);  // fail now, with the path, rather than on the first window

    Counter c;
    c.reading = Reading::Energy;
    // energy_uj runs 0..max_energy_range_uj inclusive, so it wraps modulo max+1. (The hardware steps by
    // one energy unit, ~61 uJ, so the true period is max + unit: at most one unit of error per wrap.)
    c.modulus = *range + 1;
    c.joules_per_count = 1e-6;
    auto known = by_key.find(d.key);
    if (known != by_key.end()) {
      // Zones are sorted MSR-backed first, so a duplicate here is the MMIO copy: prefer it (CodeCarbon).
      std::size_t i = known->second;
      counters_[i] = c;
      counters_[i].domain = i;
      fds_[i] = std::move(fd);
      zone_paths_[i] = zdir;
      energy_paths_[i] = energy;
      continue;
    }
    c.domain = domains_.size();
    by_key[d.key] = domains_.size();
    domains_.push_back(d);
    counters_.push_back(c);
    fds_.push_back(std::move(fd));
    zone_paths_.push_back(zdir);
    energy_paths_.push_back(energy);
  }
  if (domains_.empty() && parents.empty()) {
    throw Error("METER_UNAVAILABLE", root_ + " has RAPL subzones but no package zone to attribute them to",
                ErrorKind::System);
  }
  if (domains_.empty()) throw offered.NothingSelected("powercap", options.domains);
}

std::uint64_t PowercapSource::ReadRaw(std::size_t counter) {
  return PreadDecimal(fds_[counter].get(), energy_paths_[counter]);
}

ReasonFix PowercapSource::RootOnly() const {
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    struct stat st;
    if (::fstat(fds_[i].get(), &st) != 0) continue;
    ReasonFix note = PowercapRootOnly(energy_paths_[i], st.st_mode, ::geteuid(), root_);
    if (!note.reason.empty()) return note;
  }
  return {};
}

std::string PowercapSource::Method() const {
  return "RAPL energy counters read from " + root_ + "/intel-rapl*/energy_uj (uJ), extended across wraps";
}

}  // namespace mlpe::meters
