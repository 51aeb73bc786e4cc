// Choosing sources: the factory behind openMeters() and `mlp-energy info`. It tries each source, keeps
// the ones that work and says, for every one that does not, why and how to fix it (after Zeus's
// factory that can return "nothing available" with reasons).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "meters/estimate.hpp"
#include "meters/meters.hpp"
#include "meters/msr.hpp"
#include "meters/nvml.hpp"
#include "meters/perf_event.hpp"
#include "meters/powercap.hpp"

namespace mlpe::meters {

struct OpenOptions {
  // CPU: "auto" takes the first that works of powercap, perf_event, msr, and falls back to the labelled
  // estimate; a named source must work or Open throws. "none" measures no CPU.
  std::string cpu = "auto";  // auto | powercap | perf_event | msr | estimate | none
  std::string gpu = "auto";  // auto | nvml | none ("auto" adds NVML when it opens)
  // RAPL planes to read ("package", "core", "uncore", "dram", "psys"); empty reads every plane. Only the
  // selected counters are opened and read (by windows and the poller). It narrows the RAPL sources only:
  // "auto" still falls back to the estimate where no RAPL source opens at all, GPUs go by `gpu`.
  std::vector<std::string> domains;
  PowercapOptions powercap;
  PerfOptions perf;
  MsrOptions msr;
  NvmlOptions nvml;
  EstimateOptions estimate;
  PollerOptions poller;
};

struct SourceStatus {
  std::string source;            // "powercap", ...
  bool available = false;
  bool selected = false;         // in use by the opened Meters
  bool estimated = false;
  std::string method;            // how its joules come about (when available)
  std::string code;              // error code when not available
  std::string reason, fix;       // why not, and the command that fixes it
  // Available only because this process runs as root (EnergySource::RootOnly): why; `fix` then holds
  // the command that gives other users access.
  std::string root_only;
  std::vector<std::string> domains;
};

struct Opened {
  std::unique_ptr<Meters> meters;
  std::vector<SourceStatus> statuses;  // every source tried, in order
};

// Throws METER_UNAVAILABLE (a named source failed, message with its fix), METER_DOMAIN_UNAVAILABLE (RAPL
// is there but has none of the selected domains) or INVALID_OPTION.
Opened Open(const OpenOptions& options);
// Tries every source (all CPU ones and NVML, plus the estimate), keeps none open.
std::vector<SourceStatus> Probe(const OpenOptions& options);

}  // namespace mlpe::meters
