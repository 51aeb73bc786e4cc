#include "meters/meters.hpp"

#include <time.h>

#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace mlpe::meters {

namespace {
double ThreadCpuS() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

Meters::Meters(std::vector<std::unique_ptr<EnergySource>> sources, const PollerOptions& options)
    : sources_(std::move(sources)), origin_(std::chrono::steady_clock::now()), options_(options) {
  if (sources_.empty()) {
    throw Error("METER_UNAVAILABLE", "no energy source was selected: select at least one (or the estimate)");
  }
  if (!(options_.power_ceiling_w > 0) || !(options_.reads_per_wrap >= 2) || !(options_.min_period_s > 0) ||
      !(options_.power_period_s > 0) || !(options_.trace_hz >= 0)) {
    throw Error("INVALID_OPTION",
                "poller options out of range: powerCeilingW > 0, readsPerWrap >= 2, minPeriodS > 0, "
                "powerPeriodS > 0, traceHz >= 0");
  }
  std::map<std::string, int> uses;
  for (const auto& source : sources_)
    for (const Domain& d : source->Domains()) ++uses[d.key];
  std::vector<std::size_t> first_domain(sources_.size());
  for (std::size_t s = 0; s < sources_.size(); ++s) {
    first_domain[s] = domains_.size();
    const EnergySource& src = *sources_[s];
    for (const Domain& d : src.Domains()) {
      // Two sources naming the same plane (powercap and perf both give package-0) stay distinguishable.
      // An included_in naming a plane left out by the `domains` selection stays as the source names it.
      auto qualify = [&](const std::string& key) {
        const auto used = uses.find(key);
        return used == uses.end() || used->second == 1 ? key : std::string(src.Name()) + ":" + key;
      };
      MeterDomain m;
      m.key = qualify(d.key);
      m.kind = d.kind;
      m.device = d.device;
      m.included_in = qualify(d.included_in);
      m.in_total = d.in_total;
      m.source = s;
      domains_.push_back(m);
      update_interval_s_.push_back(src.UpdateIntervalS());
    }
    const auto& counters = src.Counters();
    for (std::size_t c = 0; c < counters.size(); ++c) {
      Track t;
      t.source = s;
      t.counter = c;
      t.info = counters[c];
      t.domain = first_domain[s] + counters[c].domain;
      tracks_.push_back(t);
    }
  }
  period_s_ = PollPeriodS(sources_, options_);
  if (options_.trace_hz > 0 && options_.trace_capacity > 0) {
    trace_ = std::make_unique<PowerTrace>(options_.trace_capacity, domains_.size(), 1.0 / options_.trace_hz);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    SampleLocked(Now());  // prime: the first read of each counter is the reference
  }
  if (options_.thread && std::isfinite(period_s_)) {
    poller_start_s_ = Now();
    thread_ = std::thread([this] { Run(); });
  }
}

Meters::~Meters() { StopPoller(); }

void Meters::StopPoller() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

double Meters::Now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
}

void Meters::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(period_s_));
  while (!stop_) {
    next += period;
    // Sleep until the deadline; a late wake-up does not shift later deadlines (no drift).
    if (cv_.wait_until(lock, next, [this] { return stop_; })) break;
    const double t = Now();
    SampleLocked(t);
    ++samples_;
    if (trace_) trace_->Add(t, DomainJoulesLocked());
    poller_cpu_s_ = ThreadCpuS();
    if (std::chrono::steady_clock::now() > next + period) next = std::chrono::steady_clock::now();
  }
}

void Meters::Sample() {
  std::lock_guard<std::mutex> lock(mu_);
  SampleLocked(Now());
}

void Meters::SampleLocked(double t) {
  for (const auto& source : sources_) source->StartEdge();
  for (Track& tr : tracks_) {
    std::uint64_t raw;
    try {
      raw = sources_[tr.source]->ReadRaw(tr.counter);
    } catch (const std::exception& e) {
      ++tr.errors;
      last_error_ = e.what();
      tr.primed = false;  // re-prime on the next good read: a gap cannot be bridged honestly
      continue;
    }
    if (tr.info.reading == Reading::Power) {
      const double w = static_cast<double>(raw) * tr.info.joules_per_count;
      if (tr.primed) tr.integrated_j += 0.5 * (w + tr.last_w) * (t - tr.last_t);  // trapezoid
      tr.last_w = w;
      tr.last_t = t;
      tr.primed = true;
      continue;
    }
    if (tr.primed) {
      const std::uint64_t m = tr.info.modulus;
      if (m != 0 && raw >= m) {
        ++tr.errors;
        last_error_ = "counter of " + domains_[tr.domain].key + " read " + std::to_string(raw) +
                      ", beyond its range " + std::to_string(m - 1) + ": the source is misreporting";
        tr.primed = false;
        continue;
      }
      if (m != 0) {
        // Modular delta: correct for any number of wraps as long as reads come faster than one wrap,
        // which the poller period guarantees. (modulus - last + raw, not +max: energymon is off by one.)
        tr.extended += raw >= tr.last_raw ? raw - tr.last_raw : m - tr.last_raw + raw;
      } else if (raw >= tr.last_raw) {
        tr.extended += raw - tr.last_raw;
      } else {
        // A 64-bit counter going back means a reset (NVML driver reload): windows across it are unknown.
        ++tr.errors;
        last_error_ = "counter of " + domains_[tr.domain].key + " went backwards (reset?)";
      }
    }
    tr.last_raw = raw;
    tr.primed = true;
  }
}

std::vector<double> Meters::DomainJoulesLocked() const {
  std::vector<double> j(domains_.size(), 0.0);
  for (const Track& tr : tracks_) {
    if (std::isnan(j[tr.domain])) continue;
    if (tr.errors != 0) {
      j[tr.domain] = kNaN;
      continue;
    }
    j[tr.domain] += tr.info.reading == Reading::Power
                        ? tr.integrated_j
                        : static_cast<double>(tr.extended) * tr.info.joules_per_count;
  }
  return j;
}

std::vector<double> Meters::TotalJoules() {
  std::lock_guard<std::mutex> lock(mu_);
  SampleLocked(Now());
  return DomainJoulesLocked();
}

WindowId Meters::Begin(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  Window* slot = nullptr;
  bool next_taken = false;
  for (Window& w : windows_) {
    if (w.id == 0) {
      if (!slot) slot = &w;
      continue;
    }
    next_taken |= w.id == next_id_;
    if (!name.empty() && w.name == name) {
      throw Error("METER_WINDOW_EXISTS", "a window named \"" + std::string(name) +
                                             "\" is already open: end it first or give this one another name",
                  ErrorKind::State);
    }
  }
  // After 2^32 - 1 windows the id wraps: skip 0 (no window) and any id still open (a window kept open
  // across the wrap), so no two open windows share an id. Rare, so only then a scan per candidate.
  WindowId id = next_id_;
  if (id == 0 || next_taken) {
    do ++id;
    while (id == 0 || OpenLocked(id));
  }
  if (!slot) {
    slot = &windows_.emplace_back();
    slot->marks.resize(tracks_.size());
  }
  const double t = Now();
  SampleLocked(t);
  next_id_ = id + 1;  // unsigned: wraps to 0, which the next Begin skips
  slot->id = id;
  slot->name.assign(name);  // reuses the slot's capacity
  slot->t0 = t;
  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    const Track& tr = tracks_[i];
    slot->marks[i] = Mark{tr.extended, tr.errors, tr.integrated_j};
  }
  return slot->id;
}

bool Meters::OpenLocked(WindowId id) const {
  for (const Window& w : windows_)
    if (w.id == id) return true;
  return false;
}

void Meters::SetNextWindowIdForTesting(WindowId id) {
  std::lock_guard<std::mutex> lock(mu_);
  next_id_ = id;
}

Meters::Window& Meters::FindLocked(WindowId id) {
  for (Window& w : windows_) {
    if (w.id == id && id != 0) return w;
  }
  throw Error("METER_WINDOW_UNKNOWN", "window " + std::to_string(id) + " is not open (never begun, or already ended)",
              ErrorKind::State);
}

WindowResult Meters::End(WindowId id) {
  WindowResult r;
  r.joules.resize(domains_.size());
  std::vector<double> below(domains_.size());
  std::lock_guard<std::mutex> lock(mu_);
  Window& w = FindLocked(id);
  r.name = w.name;
  r.seconds = EndLocked(w, r.joules.data(), below.data());
  r.below_resolution.assign(below.begin(), below.end());
  return r;
}

double Meters::EndInto(WindowId id, double* joules, double* below_resolution) {
  std::lock_guard<std::mutex> lock(mu_);
  return EndLocked(FindLocked(id), joules, below_resolution);
}

double Meters::EndLocked(Window& w, double* joules, double* below_resolution) {
  const double t = Now();
  SampleLocked(t);
  const double seconds = t - w.t0;
  const std::size_t nd = domains_.size();
  read_zero_.assign(nd, 1);
  for (std::size_t d = 0; d < nd; ++d) joules[d] = 0;
  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    const Track& tr = tracks_[i];
    const Mark& mark = w.marks[i];
    double& j = joules[tr.domain];
    if (tr.errors != mark.errors) {
      j = kNaN;
      continue;
    }
    if (tr.info.reading == Reading::Power) {
      j += tr.integrated_j - mark.integrated;
      read_zero_[tr.domain] = 0;  // integrated power is never "read zero"; resolution is the sampling period
      continue;
    }
    const std::uint64_t counts = tr.extended - mark.extended;
    if (counts != 0) read_zero_[tr.domain] = 0;
    j += static_cast<double>(counts) * tr.info.joules_per_count;
  }
  for (std::size_t d = 0; d < nd; ++d) {
    below_resolution[d] = !std::isnan(joules[d]) && (read_zero_[d] || seconds < update_interval_s_[d]) ? 1 : 0;
  }
  w.id = 0;  // free the slot; its name and marks keep their capacity for the next Begin
  return seconds;
}

std::size_t Meters::OpenWindows() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t open = 0;
  for (const Window& w : windows_) open += w.id != 0;
  return open;
}

PollerStats Meters::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  PollerStats s;
  s.period_s = thread_.joinable() ? period_s_ : std::numeric_limits<double>::infinity();
  s.samples = samples_;
  s.cpu_s = poller_cpu_s_;
  s.wall_s = thread_.joinable() ? Now() - poller_start_s_ : 0;
  return s;
}

TraceSnapshot Meters::Trace() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!trace_) return TraceSnapshot{{}, std::vector<std::vector<double>>(domains_.size()), 0};
  return trace_->Snapshot();
}

std::string Meters::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

double Meters::RawReadNs(std::size_t s, std::size_t iterations, std::size_t counter) {
  if (s >= sources_.size() || iterations == 0 || counter >= sources_[s]->Counters().size()) {
    throw Error("INVALID_OPTION", "RawReadNs: no such source or counter, or 0 iterations");
  }
  std::lock_guard<std::mutex> lock(mu_);
  EnergySource& src = *sources_[s];
  volatile std::uint64_t sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < iterations; ++i) {
    src.StartEdge();  // a fresh read each time, as at an edge
    sink = sink + src.ReadRaw(counter);
  }
  const auto t1 = std::chrono::steady_clock::now();
  (void)sink;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(iterations);
}

double Meters::EdgeNs(std::size_t iterations) {
  if (iterations == 0) throw Error("INVALID_OPTION", "EdgeNs: 0 iterations");
  std::lock_guard<std::mutex> lock(mu_);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < iterations; ++i) SampleLocked(Now());
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(iterations);
}

}  // namespace mlpe::meters
