#include "hw/cache.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "hw/cpu.hpp"
#include "hw/cpuid.hpp"

namespace mlpe::hw {

namespace {

// Plausible bounds per level (bytes). Outside them a reported value is treated as garbage: the largest
// L3 slice shipped (AMD 3D V-cache CCD) is 96 MiB, the largest L2 per core 4 MiB, L1d 48–128 KiB.
struct Bounds {
  int64_t min, max;
};
Bounds SizeBounds(int level) {
  switch (level) {
    case 1: return {4 << 10, 512 << 10};
    case 2: return {64 << 10, 16 << 20};
    default: return {512 << 10, int64_t{256} << 20};
  }
}

std::string TypeName(int cpuid_type) {
  switch (cpuid_type) {
    case 1: return "data";
    case 2: return "instruction";
    case 3: return "unified";
    default: return "";
  }
}

std::string Mib(int64_t bytes) {
  std::ostringstream s;
  if (bytes >= (1 << 20)) s << bytes / double(1 << 20) << " MiB";
  else s << bytes / 1024.0 << " KiB";
  return s.str();
}

// Deterministic cache parameters: Intel leaf 4 and AMD 0x8000001D share the register layout.
std::vector<CacheLevel> FromDeterministicLeaf(uint32_t leaf, const char* source) {
  std::vector<CacheLevel> out;
  for (uint32_t sub = 0; sub < 16; ++sub) {
    const CpuidRegs r = Cpuid(leaf, sub);
    const int type = r.eax & 0x1f;
    if (type == 0) break;  // no more caches
    CacheLevel c;
    c.level = (r.eax >> 5) & 0x7;
    c.type = TypeName(type);
    c.shared_by = static_cast<int>(((r.eax >> 14) & 0xfff) + 1);
    c.line_bytes = static_cast<int>((r.ebx & 0xfff) + 1);
    const int64_t partitions = ((r.ebx >> 12) & 0x3ff) + 1;
    c.ways = static_cast<int>(((r.ebx >> 22) & 0x3ff) + 1);
    c.sets = int64_t{r.ecx} + 1;
    // Fully associative caches report ways through eax bit 9; sets is then 1.
    c.size_bytes = c.ways * partitions * c.line_bytes * c.sets;
    c.source = source;
    out.push_back(c);
  }
  return out;
}

// AMD CPUs without topology extensions: L1d from 0x80000005, L2/L3 from 0x80000006 (sizes in KiB / 512 KiB).
std::vector<CacheLevel> FromAmdLegacy() {
  std::vector<CacheLevel> out;
  if (Cpuid(0x80000000).eax < 0x80000006) return out;
  const CpuidRegs l1 = Cpuid(0x80000005);
  const CpuidRegs l23 = Cpuid(0x80000006);
  // 0x80000006 associativity is an encoded table; these are the values AMD documents.
  static const int kWays[16] = {0, 1, 2, 3, 4, 6, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0};
  auto add = [&](int level, int64_t size, int ways, int line) {
    if (size <= 0 || line <= 0) return;
    CacheLevel c;
    c.level = level;
    c.type = level == 1 ? "data" : "unified";
    c.size_bytes = size;
    c.line_bytes = line;
    c.ways = ways > 0 ? ways : 0;
    c.source = "cpuid 0x80000005/6";
    out.push_back(c);
  };
  add(1, int64_t((l1.ecx >> 24) & 0xff) << 10, (l1.ecx >> 16) & 0xff, l1.ecx & 0xff);
  add(2, int64_t((l23.ecx >> 16) & 0xffff) << 10, kWays[(l23.ecx >> 12) & 0xf], l23.ecx & 0xff);
  add(3, int64_t((l23.edx >> 18) & 0x3fff) * (512 << 10), kWays[(l23.edx >> 12) & 0xf], l23.edx & 0xff);
  return out;
}

std::string ReadLine(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  if (f) std::getline(f, s);
  return s;
}

int64_t ParseSize(const std::string& s) {  // sysfs writes "48K", "1024K", "32768K", sometimes "32M"
  if (s.empty()) return 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || v <= 0) return 0;
  switch (*end) {
    case 'K': case 'k': return v << 10;
    case 'M': case 'm': return v << 20;
    case 'G': case 'g': return v << 30;
    default: return v;
  }
}

int CountCpuList(const std::string& list) {  // "0-3,8-11" -> 8
  int count = 0;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) continue;
    const auto dash = part.find('-');
    if (dash == std::string::npos) count += 1;
    else count += std::atoi(part.c_str() + dash + 1) - std::atoi(part.c_str()) + 1;
  }
  return count;
}

// Replaces what cannot be right; returns false when the size itself is implausible (the level is
// then taken from the next source).
bool Sanitize(CacheLevel& c) {
  const Bounds b = SizeBounds(c.level);
  if (c.size_bytes < b.min || c.size_bytes > b.max) return false;
  std::string note;
  if (c.line_bytes != 32 && c.line_bytes != 64 && c.line_bytes != 128 && c.line_bytes != 256) {
    note += "line size " + std::to_string(c.line_bytes) + " B replaced by 64 B; ";
    c.line_bytes = 64;
  }
  const int64_t lines = c.size_bytes / c.line_bytes;
  if (c.ways <= 0 || c.ways > 256 || lines % c.ways != 0) {
    const int assumed = c.level == 1 ? 8 : 16;
    note += "associativity " + std::to_string(c.ways) + " replaced by " + std::to_string(assumed) + "; ";
    c.ways = assumed;
  }
  c.sets = lines / c.ways;
  if (!note.empty()) c.note = note.substr(0, note.size() - 2);
  return true;
}

bool Less(const CacheLevel& a, const CacheLevel& b) {
  if (a.level != b.level) return a.level < b.level;
  return a.type == "data" && b.type != "data";
}

}  // namespace

const CacheLevel* CacheHierarchy::Data(int level) const {
  for (const auto& c : levels)
    if (c.level == level && c.type != "instruction") return &c;
  return nullptr;
}

std::vector<CacheLevel> CachesFromCpuid() {
  const CpuInfo& cpu = Cpu();
  if (cpu.vendor == "AuthenticAMD" || cpu.vendor == "HygonGenuine") {
    // 0x8000001D exists when the topology-extensions bit (0x80000001 ecx bit 22) is set.
    if (Cpuid(0x80000000).eax >= 0x8000001D && (Cpuid(0x80000001).ecx >> 22) & 1) {
      auto caches = FromDeterministicLeaf(0x8000001D, "cpuid 0x8000001D");
      if (!caches.empty()) return caches;
    }
    return FromAmdLegacy();
  }
  if (Cpuid(0).eax >= 4) return FromDeterministicLeaf(4, "cpuid 4");
  return {};
}

std::vector<CacheLevel> CachesFromSysfs(const std::string& root) {
  std::vector<CacheLevel> out;
  for (int i = 0; i < 16; ++i) {
    const std::string dir = root + "/index" + std::to_string(i) + "/";
    const std::string level = ReadLine(dir + "level");
    if (level.empty()) break;
    CacheLevel c;
    c.level = std::atoi(level.c_str());
    std::string type = ReadLine(dir + "type");
    std::transform(type.begin(), type.end(), type.begin(), ::tolower);
    c.type = type;
    c.size_bytes = ParseSize(ReadLine(dir + "size"));
    c.line_bytes = std::atoi(ReadLine(dir + "coherency_line_size").c_str());
    c.ways = std::atoi(ReadLine(dir + "ways_of_associativity").c_str());
    c.sets = std::atoll(ReadLine(dir + "number_of_sets").c_str());
    c.shared_by = CountCpuList(ReadLine(dir + "shared_cpu_list"));
    c.source = "sysfs";
    out.push_back(c);
  }
  return out;
}

std::vector<CacheLevel> CachesFromSysconf() {
  std::vector<CacheLevel> out;
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  struct Query {
    int level;
    const char* type;
    int size, assoc, line;
  };
  const Query queries[] = {
      {1, "data", _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_ASSOC, _SC_LEVEL1_DCACHE_LINESIZE},
      {2, "unified", _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_ASSOC, _SC_LEVEL2_CACHE_LINESIZE},
      {3, "unified", _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_ASSOC, _SC_LEVEL3_CACHE_LINESIZE},
  };
  for (const Query& q : queries) {
    const long size = sysconf(q.size);
    if (size <= 0) continue;
    CacheLevel c;
    c.level = q.level;
    c.type = q.type;
    c.size_bytes = size;
    c.ways = static_cast<int>(std::max(0L, sysconf(q.assoc)));
    c.line_bytes = static_cast<int>(std::max(0L, sysconf(q.line)));
    c.source = "sysconf";
    out.push_back(c);
  }
#endif
  return out;
}

CacheHierarchy CombineCaches(const std::vector<std::vector<CacheLevel>>& sources) {
  CacheHierarchy h;
  std::vector<std::string> rejected;  // per level+type, why earlier sources were not used
  auto have = [&](int level, const std::string& type) {
    for (const auto& c : h.levels)
      if (c.level == level && c.type == type) return true;
    return false;
  };
  for (const auto& source : sources) {
    for (CacheLevel c : source) {
      if (c.level < 1 || c.level > 4 || c.type.empty() || have(c.level, c.type)) continue;
      const int64_t reported = c.size_bytes;
      if (!Sanitize(c)) {
        const Bounds b = SizeBounds(c.level);
        rejected.push_back("L" + std::to_string(c.level) + " " + c.type + ": " + c.source + " reported " +
                           Mib(reported) + ", outside [" + Mib(b.min) + ", " + Mib(b.max) + "]");
        continue;
      }
      for (const auto& r : rejected)
        if (r.rfind("L" + std::to_string(c.level) + " " + c.type + ":", 0) == 0)
          c.note += (c.note.empty() ? "" : "; ") + r.substr(r.find(": ") + 2);
      h.levels.push_back(c);
    }
  }
  // Without L1d and L2 no tiling can be derived: assume a common x86 core (32 KiB 8-way, 1 MiB 16-way).
  auto assume = [&](int level, const char* type, int64_t size, int ways) {
    if (h.Data(level)) return;
    CacheLevel c;
    c.level = level;
    c.type = type;
    c.size_bytes = size;
    c.line_bytes = 64;
    c.ways = ways;
    c.sets = size / (64 * ways);
    c.source = "assumed";
    c.note = "no source reported a plausible L" + std::to_string(level);
    for (const auto& r : rejected)
      if (r.rfind("L" + std::to_string(level), 0) == 0) c.note += "; " + r.substr(r.find(": ") + 2);
    h.levels.push_back(c);
  };
  assume(1, "data", 32 << 10, 8);
  assume(2, "unified", 1 << 20, 16);
  std::sort(h.levels.begin(), h.levels.end(), Less);
  h.rejected = rejected;
  return h;
}

const CacheHierarchy& Caches() {
  static const CacheHierarchy h = CombineCaches(
      {CachesFromCpuid(), CachesFromSysfs("/sys/devices/system/cpu/cpu0/cache"), CachesFromSysconf()});
  return h;
}

}  // namespace mlpe::hw
