// Available memory on fixtures: /proc/meminfo and /proc/self/cgroup in a temp dir, with cgroup v2 and v1
// memory trees; the lower of MemAvailable and the cgroup's headroom wins, "no limit" is no cap, and
// CheckFits refuses what does not fit with OUT_OF_MEMORY.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "expect.hpp"
#include "fixture_file.hpp"
#include "hw/memory.hpp"

namespace fs = std::filesystem;
using mlpe::hw::AvailableMemory;
using mlpe::hw::AvailableMemoryFrom;
using mlpe::test::WriteFixture;

namespace {

// A proc root whose meminfo says MemAvailable = kib and whose self/cgroup holds `cgroup`.
fs::path Proc(const fs::path& root, long kib, const std::string& cgroup) {
  WriteFixture(root / "meminfo", "MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   " +
                              std::to_string(kib) + " kB\nBuffers:           1000 kB");
  WriteFixture(root / "self" / "cgroup", cgroup);
  return root;
}
}  // namespace

int main() {
  char tmpl[] = "/tmp/mlpe-memory-XXXXXX";
  const fs::path root = mkdtemp(tmpl);
  const fs::path cg = root / "cgroup";

  // No cgroup limit (v2 "max"): MemAvailable.
  WriteFixture(cg / "job" / "memory.max", "max");
  WriteFixture(cg / "job" / "memory.current", "1000");
  AvailableMemory m = AvailableMemoryFrom(Proc(root / "p1", 2048, "0::/job").string(), cg.string());
  EXPECT(m.bytes == 2048 * 1024 && m.source == "MemAvailable", "MemAvailable alone: %lld from %s",
         static_cast<long long>(m.bytes), m.source.c_str());

  // cgroup v2 limit below MemAvailable: limit − usage.
  WriteFixture(cg / "slurm" / "memory.max", "1000000");
  WriteFixture(cg / "slurm" / "memory.current", "400000");
  m = AvailableMemoryFrom(Proc(root / "p2", 2048, "0::/slurm").string(), cg.string());
  EXPECT(m.bytes == 600000 && m.source == (cg / "slurm" / "memory.max").string(), "v2 headroom: %lld from %s",
         static_cast<long long>(m.bytes), m.source.c_str());

  // cgroup v1 (memory among several controllers), usage over the limit reads as 0 left; its "no limit" value
  // (2^63 rounded down to a page) is no cap.
  WriteFixture(cg / "memory" / "docker" / "memory.limit_in_bytes", "500000");
  WriteFixture(cg / "memory" / "docker" / "memory.usage_in_bytes", "700000");
  m = AvailableMemoryFrom(Proc(root / "p3", 2048, "5:cpuacct,memory:/docker\n1:cpu:/").string(), cg.string());
  EXPECT(m.bytes == 0 && m.source.find("memory.limit_in_bytes") != std::string::npos, "v1 full: %lld from %s",
         static_cast<long long>(m.bytes), m.source.c_str());
  WriteFixture(cg / "memory" / "free" / "memory.limit_in_bytes", "9223372036854771712");
  WriteFixture(cg / "memory" / "free" / "memory.usage_in_bytes", "700000");
  m = AvailableMemoryFrom(Proc(root / "p4", 4096, "4:memory:/free").string(), cg.string());
  EXPECT(m.bytes == 4096 * 1024 && m.source == "MemAvailable", "v1 unlimited is no cap: %s", m.source.c_str());

  // Nothing readable: unknown, and CheckFits then lets the allocation decide.
  m = AvailableMemoryFrom((root / "none").string(), (root / "none").string());
  EXPECT(m.bytes == 0 && m.source.empty(), "unknown memory");

  // This machine: something is known, a small request fits and an impossible one is refused with the fix.
  EXPECT(!mlpe::hw::Available().source.empty() && mlpe::hw::Available().bytes > 0, "this machine's available memory is known");
  bool fits = true;
  try {
    mlpe::hw::CheckFits(1 << 20, "a small buffer", "nothing");
  } catch (...) {
    fits = false;
  }
  EXPECT(fits, "1 MiB fits");
  std::string code, message;
  try {
    mlpe::hw::CheckFits(int64_t{1} << 62, "training this network", "choose a smaller size");
  } catch (const mlpe::Error& e) {
    code = e.code(), message = e.what();
  }
  EXPECT(code == "OUT_OF_MEMORY" && message.find("training this network needs") == 0 &&
             message.find("choose a smaller size") != std::string::npos,
         "4 EiB refused: %s %s", code.c_str(), message.c_str());

  fs::remove_all(root);
  std::printf("%d checks, %d failures\n", mlpe::test::checks, mlpe::test::failures);
  return mlpe::test::failures == 0 ? 0 : 1;
}
