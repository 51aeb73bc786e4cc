// Optional power trace: timestamped per-domain power samples in a fixed ring buffer (oldest dropped),
// filled by the poller, for plots. Power is the energy delta between consecutive samples over their
// time delta, so the trace integrates back to the counters exactly. A poller running faster than the trace
// rate (for wrap safety) is folded to that rate: a sample taken before the next one is due only waits, and
// the next kept sample's power spans both intervals.
#pragma once
#include <cstddef>
#include <vector>

namespace mlpe::meters {

struct TraceSnapshot {
  std::vector<double> t_s;                 // seconds since the meters were opened, oldest first
  std::vector<std::vector<double>> power_w;  // [domain][sample]; NaN where the domain could not be read
  std::size_t dropped = 0;                 // samples overwritten because the buffer was full
};

class PowerTrace {
 public:
  // interval_s: the trace period (1 / rate); 0 keeps every sample.
  PowerTrace(std::size_t capacity, std::size_t domains, double interval_s = 0);
  std::size_t Capacity() const { return capacity_; }
  // energy_j: cumulative energy per domain at t_s. The first call only sets the reference.
  void Add(double t_s, const std::vector<double>& energy_j);
  TraceSnapshot Snapshot() const;

 private:
  std::size_t capacity_, domains_;
  double interval_s_;
  double next_due_ = 0;         // when the next sample is due
  std::vector<double> t_;       // capacity_
  std::vector<double> power_;   // capacity_ x domains_, row per sample
  std::size_t next_ = 0, size_ = 0, dropped_ = 0;
  bool have_ref_ = false;
  double ref_t_ = 0;
  std::vector<double> ref_e_;
};

}  // namespace mlpe::meters
