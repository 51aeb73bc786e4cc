// The cache hierarchy, from the most to the least trustworthy source: cpuid (leaf 4 on Intel,
// 0x8000001D on AMD), then sysfs, then sysconf (what `getconf` prints) — each value checked against
// plausible bounds, because VMs report garbage (this project's CI VM: getconf says 508 MiB L3, assoc 0).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mlpe::hw {

struct CacheLevel {
  int level = 0;             // 1, 2, 3, ...
  std::string type;          // "data" | "instruction" | "unified"
  int64_t size_bytes = 0;
  int line_bytes = 0;
  int ways = 0;              // associativity
  int64_t sets = 0;          // size / (ways · line)
  int shared_by = 0;         // logical CPUs sharing it (0 = unknown)
  std::string source;        // "cpuid 0x8000001D", "cpuid 4", "sysfs", "sysconf", "assumed"
  std::string note;          // why a value was replaced or assumed ("" when taken as reported)
  int64_t WaySize() const { return ways > 0 ? size_bytes / ways : size_bytes; }
};

struct CacheHierarchy {
  std::vector<CacheLevel> levels;  // sorted by level, data before instruction
  std::vector<std::string> rejected;  // reported values that were out of bounds, e.g. getconf's 508 MiB L3
  // The data (or unified) cache at `level`, or nullptr when absent.
  const CacheLevel* Data(int level) const;
};

// Each source alone (empty when it has nothing). sysfs_root is normally /sys/devices/system/cpu/cpu0/cache.
std::vector<CacheLevel> CachesFromCpuid();
std::vector<CacheLevel> CachesFromSysfs(const std::string& sysfs_root);
std::vector<CacheLevel> CachesFromSysconf();

// Merges the sources (first one that knows a level wins for that level, a level whose values are out
// of bounds is taken from the next source), clamps, and fills L1d/L2 with assumed values if nobody knew.
CacheHierarchy CombineCaches(const std::vector<std::vector<CacheLevel>>& sources_in_priority_order);

// Detected once (cpuid, sysfs, sysconf), then cached.
const CacheHierarchy& Caches();

}  // namespace mlpe::hw
