#include "hw/memory.hpp"

#include <cstdio>
#include <fstream>

#include "common/error.hpp"

namespace mlpe::hw {

namespace {

// The first integer of a file, or −1 when it is missing or not a number ("max" in cgroup v2 means no limit).
int64_t ReadInteger(const std::string& path) {
  std::ifstream in(path);
  long long value = -1;
  if (!(in >> value)) return -1;
  return value;
}

int64_t MemAvailableBytes(const std::string& proc_root) {
  std::ifstream in(proc_root + "/meminfo");
  std::string key;
  long long kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return static_cast<int64_t>(kib) * 1024;
  }
  return -1;
}

// Limit − usage of this process's memory cgroup, or −1 when there is no (finite) limit.
int64_t CgroupHeadroom(const std::string& proc_root, const std::string& cgroup_root, std::string* file) {
  std::ifstream in(proc_root + "/self/cgroup");
  std::string line;
  int64_t best = -1;
  while (std::getline(in, line)) {
    // "0::/path" (v2) or "4:memory:/path" (v1; the controller list may hold several names).
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    std::string limit_file, usage_file;
    if (line.compare(0, a, "0") == 0 && controllers.empty()) {
      limit_file = cgroup_root + path + "/memory.max";
      usage_file = cgroup_root + path + "/memory.current";
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      limit_file = cgroup_root + "/memory" + path + "/memory.limit_in_bytes";
      usage_file = cgroup_root + "/memory" + path + "/memory.usage_in_bytes";
    } else {
      continue;
    }
    const int64_t limit = ReadInteger(limit_file), usage = ReadInteger(usage_file);
    // v1 reports "no limit" as a huge page-rounded number (2^63 − 4096 here).
    if (limit < 0 || limit >= (int64_t{1} << 60) || usage < 0) continue;
    const int64_t headroom = limit > usage ? limit - usage : 0;
    if (best < 0 || headroom < best) best = headroom, *file = limit_file;
  }
  return best;
}

std::string Gib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  return text;
}

}  // namespace

AvailableMemory AvailableMemoryFrom(const std::string& proc_root, const std::string& cgroup_root) {
  AvailableMemory out;
  const int64_t mem_available = MemAvailableBytes(proc_root);
  if (mem_available >= 0) out.bytes = mem_available, out.source = "MemAvailable";
  std::string file;
  const int64_t headroom = CgroupHeadroom(proc_root, cgroup_root, &file);
  if (headroom >= 0 && (out.source.empty() || headroom < out.bytes)) out.bytes = headroom, out.source = file;
  return out;
}

AvailableMemory Available() { return AvailableMemoryFrom("/proc", "/sys/fs/cgroup"); }

void CheckFits(int64_t bytes, const std::string& what, const std::string& fix) {
  const AvailableMemory available = Available();
  if (available.source.empty() || bytes <= available.bytes) return;
  throw Error("OUT_OF_MEMORY", what + " needs " + Gib(bytes) + " but only " + Gib(available.bytes) +
                                   " are available (" + available.source + "): " + fix,
              ErrorKind::System);
}

}  // namespace mlpe::hw
