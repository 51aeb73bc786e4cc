#include "meters/poller.hpp"

#include <algorithm>
#include <limits>

namespace mlpe::meters {

double PollPeriodS(const std::vector<std::unique_ptr<EnergySource>>& sources, const PollerOptions& options) {
  double period = std::numeric_limits<double>::infinity();
  for (const auto& source : sources) {
    for (const Counter& c : source->Counters()) {
      if (c.reading == Reading::Power) {
        period = std::min(period, options.power_period_s);
      } else if (c.modulus != 0) {
        const double wrap_s = static_cast<double>(c.modulus) * c.joules_per_count / options.power_ceiling_w;
        period = std::min(period, wrap_s / options.reads_per_wrap);
      }
    }
  }
  if (options.trace_hz > 0) period = std::min(period, 1.0 / options.trace_hz);
  return std::max(period, options.min_period_s);
}

}  // namespace mlpe::meters
