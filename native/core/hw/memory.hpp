// How much memory a run may still take: the kernel's MemAvailable (free plus reclaimable page cache), capped by
// the cgroup v2 limit of the process's group (Docker, Slurm's cgroup task plugin), whichever is lower. A run
// that allocates more than this is not refused by Linux's overcommit: it is OOM-killed when it first touches
// the pages, taking the Node process with it, so the trainer checks first.
#pragma once
#include <cstdint>
#include <string>

namespace mlpe::hw {

struct AvailableMemory {
  int64_t bytes = 0;   // 0 = unknown (no /proc/meminfo and no cgroup limit)
  std::string source;  // "MemAvailable" or the cgroup file that set the cap
};

// proc_root and cgroup_root are "/proc" and "/sys/fs/cgroup" except in tests. cgroup v2 (memory.max −
// memory.current) and v1 (memory.limit_in_bytes − memory.usage_in_bytes) are both read.
AvailableMemory AvailableMemoryFrom(const std::string& proc_root, const std::string& cgroup_root);
AvailableMemory Available();

// Throws OUT_OF_MEMORY when `bytes` exceed what is available, naming `what` and the fix.
void CheckFits(int64_t bytes, const std::string& what, const std::string& fix);

}  // namespace mlpe::hw
