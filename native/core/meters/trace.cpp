#include "meters/trace.hpp"

#include <cmath>

namespace mlpe::meters {

PowerTrace::PowerTrace(std::size_t capacity, std::size_t domains, double interval_s)
    : capacity_(capacity), domains_(domains), interval_s_(interval_s > 0 ? interval_s : 0), t_(capacity),
      power_(capacity * domains), ref_e_(domains) {}

void PowerTrace::Add(double t_s, const std::vector<double>& energy_j) {
  if (capacity_ == 0) return;
  if (!have_ref_ || t_s <= ref_t_) {
    have_ref_ = true;
    ref_t_ = t_s;
    ref_e_ = energy_j;
    next_due_ = t_s + interval_s_;
    return;
  }
  // Half a period of slack: a poller at exactly the trace rate wakes a little early or late, never skipped.
  if (t_s < next_due_ - 0.5 * interval_s_) return;
  next_due_ += interval_s_;
  if (next_due_ < t_s) next_due_ = t_s + interval_s_;  // after a stall, restart the grid from now
  const double dt = t_s - ref_t_;
  t_[next_] = t_s;
  double* row = &power_[next_ * domains_];
  for (std::size_t d = 0; d < domains_; ++d) row[d] = (energy_j[d] - ref_e_[d]) / dt;  // NaN propagates
  next_ = (next_ + 1) % capacity_;
  if (size_ < capacity_) ++size_;
  else ++dropped_;
  ref_t_ = t_s;
  ref_e_ = energy_j;
}

TraceSnapshot PowerTrace::Snapshot() const {
  TraceSnapshot s;
  s.dropped = dropped_;
  s.t_s.reserve(size_);
  s.power_w.assign(domains_, {});
  for (auto& p : s.power_w) p.reserve(size_);
  const std::size_t first = (next_ + capacity_ - size_) % (capacity_ ? capacity_ : 1);
  for (std::size_t i = 0; i < size_; ++i) {
    std::size_t slot = (first + i) % capacity_;
    s.t_s.push_back(t_[slot]);
    for (std::size_t d = 0; d < domains_; ++d) s.power_w[d].push_back(power_[slot * domains_ + d]);
  }
  return s;
}

}  // namespace mlpe::meters
