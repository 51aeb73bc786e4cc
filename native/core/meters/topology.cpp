#include "meters/topology.hpp"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "common/error.hpp"
#include "meters/sysfs.hpp"

namespace mlpe::meters {

std::vector<CpuPlace> ReadTopology(const std::string& root) {
  std::vector<CpuPlace> out;
  DIR* dir = ::opendir(root.c_str());
  if (dir) {
    while (dirent* ent = ::readdir(dir)) {
      const std::string name = ent->d_name;
      if (name.size() < 4 || name.compare(0, 3, "cpu") != 0) continue;
      auto cpu = ParseU64(name.substr(3));
      if (!cpu) continue;  // cpufreq, cpuidle, ...
      const std::string topo = root + "/" + name + "/topology/";
      auto package = ReadText(topo + "physical_package_id");
      auto core = ReadText(topo + "core_id");
      auto p = package ? ParseU64(*package) : std::nullopt;
      auto c = core ? ParseU64(*core) : std::nullopt;
      if (!p || !c) continue;  // offline CPUs have no topology
      out.push_back({static_cast<int>(*cpu), static_cast<int>(*p), static_cast<int>(*c)});
    }
    ::closedir(dir);
  }
  if (out.empty()) {
    throw Error("METER_UNAVAILABLE",
                "no CPU topology under " + root + " (cpuN/topology/physical_package_id). Fix: pass cpuSysfsRoot "
                "pointing at /sys/devices/system/cpu",
                ErrorKind::System);
  }
  std::sort(out.begin(), out.end(), [](const CpuPlace& a, const CpuPlace& b) { return a.cpu < b.cpu; });
  return out;
}

namespace {
template <typename Key>
std::vector<CpuPlace> FirstPer(const std::vector<CpuPlace>& cpus, Key key) {
  std::map<decltype(key(cpus.front())), CpuPlace> first;
  for (const CpuPlace& c : cpus) first.emplace(key(c), c);  // cpus sorted: emplace keeps the lowest
  std::vector<CpuPlace> out;
  for (auto& [k, c] : first) out.push_back(c);
  return out;
}
}  // namespace

std::vector<CpuPlace> FirstCpuPerPackage(const std::vector<CpuPlace>& cpus) {
  if (cpus.empty()) return {};
  return FirstPer(cpus, [](const CpuPlace& c) { return c.package; });
}

std::vector<CpuPlace> FirstCpuPerCore(const std::vector<CpuPlace>& cpus) {
  if (cpus.empty()) return {};
  return FirstPer(cpus, [](const CpuPlace& c) { return std::make_pair(c.package, c.core); });
}

}  // namespace mlpe::meters
