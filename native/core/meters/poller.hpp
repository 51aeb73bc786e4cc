// How often the poller thread must read the counters. A wrapping counter has to be read at least once
// per wrap or a whole range of energy is lost (likwid#646); AMD packages wrap in ~4 minutes at 280 W.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "meters/source.hpp"

namespace mlpe::meters {

struct PollerOptions {
  bool thread = true;              // run the poller thread (tests drive Sample() by hand instead)
  // The most power a single counter can see. The wrap period is range_J / ceiling_W; 1000 W is above
  // any socket or GPU sold today (Zeus uses the same figure near the wrap point).
  double power_ceiling_w = 1000.0;
  // Reads per wrap period at the ceiling: 4 leaves room for a late wake-up (a loaded machine, a paused
  // VM) before a wrap can be missed. Two reads per wrap is the bare minimum.
  double reads_per_wrap = 4.0;
  double min_period_s = 0.001;     // RAPL refreshes every ~1 ms: polling faster only burns CPU
  double power_period_s = 0.1;     // power-only sources (NVML before Volta): integration step, Zeus's cap
  double trace_hz = 0;             // > 0: also record a power trace at this rate
  std::size_t trace_capacity = 0;  // samples kept (ring buffer)
};

// The poller period for these sources: min over wrapping counters of wrap time / reads_per_wrap, the
// power sampling period when a source only gives power, and 1/trace_hz; at least min_period_s.
// Returns +inf when nothing needs polling (only 64-bit energy counters and no trace).
double PollPeriodS(const std::vector<std::unique_ptr<EnergySource>>& sources, const PollerOptions& options);

}  // namespace mlpe::meters
