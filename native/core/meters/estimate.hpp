// The labelled estimate, used only when no counter can be read: CPU time of this process and/or of its
// children once reaped, times a power figure per busy core. Every result from it says estimated.
#pragma once
#include <string>
#include <vector>

#include "meters/source.hpp"

namespace mlpe::meters {

// Default watts per busy core: a round figure between server parts at TDP (~7 W/core, e.g. 205 W /
// 28 cores) and desktop parts (~15 W/core, e.g. 125 W / 8). It ignores idle, uncore and DRAM power; set
// watts_per_core for your machine (TDP / cores is a reasonable first guess).
inline constexpr double kDefaultWattsPerCore = 10.0;

struct EstimateOptions {
  double watts_per_core = kDefaultWattsPerCore;
  // Count this process's CPU time (all threads), and that of waited-for child processes. A window
  // around a command run as a child (`mlp-energy measure -- <command>`) counts the children only: the
  // parent's own work meanwhile (starting the command, waiting) is not the command's. At least one.
  bool self = true;
  bool children = true;
};

class EstimateSource final : public EnergySource {
 public:
  explicit EstimateSource(const EstimateOptions& options = {});
  const char* Name() const override { return "estimate"; }
  const std::vector<Domain>& Domains() const override { return domains_; }
  const std::vector<Counter>& Counters() const override { return counters_; }
  // CPU time in ns, one system call per counter, every counter summed into the one `cpu` domain: this
  // process, all threads (CLOCK_PROCESS_CPUTIME_ID), and/or waited-for children (RUSAGE_CHILDREN). No
  // single call gives both at this resolution (times() counts 10 ms clock ticks).
  std::uint64_t ReadRaw(std::size_t counter) override;
  double UpdateIntervalS() const override { return 1e-6; }  // getrusage of children has us resolution
  bool Estimated() const override { return true; }
  std::string Method() const override;
  double WattsPerCore() const { return watts_per_core_; }

 private:
  double watts_per_core_;
  bool self_, children_;
  std::vector<Domain> domains_;
  std::vector<Counter> counters_;
};

}  // namespace mlpe::meters
