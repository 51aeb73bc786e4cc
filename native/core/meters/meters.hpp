// Meters: the selected sources, each raw counter extended to 64 bits across wraps, a poller thread that
// keeps the extension right between windows, begin/end windows (nestable, overlapping) that read every
// counter at their edges, and an optional power trace. Usable from plain C++ (no Node headers).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "meters/poller.hpp"
#include "meters/source.hpp"
#include "meters/trace.hpp"

namespace mlpe::meters {

// A domain as the user sees it: unique key across sources, plus where it comes from.
struct MeterDomain {
  std::string key;            // "package-0", "dram-0", "gpu-1", "cpu"; "<source>:<key>" when two sources clash
  DomainKind kind = DomainKind::Package;
  int device = 0;
  std::string included_in;    // key of the domain that already contains it ("" if none)
  bool in_total = true;       // adds into totals (see Domain::in_total)
  std::size_t source = 0;     // index into Sources()
};

// A window's id: 1..2^32-1, then it wraps (skipping 0 and ids still open), so ids never overflow and
// always fit a JS number exactly.
using WindowId = std::uint32_t;

struct WindowResult {
  std::string name;
  double seconds = 0;
  std::vector<double> joules;                 // per domain; NaN: a read failed inside the window
  std::vector<std::uint8_t> below_resolution; // per domain: shorter than the update interval, or read 0
};

struct PollerStats {
  double period_s = 0;        // +inf when no thread runs
  std::uint64_t samples = 0;  // poller samples (window edges not counted)
  double cpu_s = 0;           // CPU time the poller thread used
  double wall_s = 0;          // time since the poller started
};

class Meters {
 public:
  Meters(std::vector<std::unique_ptr<EnergySource>> sources, const PollerOptions& options = {});
  ~Meters();
  Meters(const Meters&) = delete;
  Meters& operator=(const Meters&) = delete;

  const std::vector<std::unique_ptr<EnergySource>>& Sources() const { return sources_; }
  const std::vector<MeterDomain>& Domains() const { return domains_; }

  // Reads every counter now and extends it across wraps. The poller calls this; tests call it to step a
  // scripted fixture. Read errors never throw here: they mark the counter so windows spanning them
  // report NaN for its domain, and LastError() says why.
  void Sample();
  // Opens a window (reads every counter). Duplicate names among open windows are an error
  // (METER_WINDOW_EXISTS); an empty name is allowed any number of times. Returns the window id.
  // Allocates nothing once as many windows have been open at once before (window slots are reused).
  WindowId Begin(std::string_view name = {});
  // Closes window `id` (reads every counter). Unknown or already ended id: METER_WINDOW_UNKNOWN.
  WindowResult End(WindowId id);
  // End without allocating, for per-call hot paths (the JS binding): writes joules (NaN: a read failed
  // inside the window) and 1/0 below-resolution flags for each of Domains().size() domains into the
  // caller's arrays and returns the window's seconds.
  double EndInto(WindowId id, double* joules, double* below_resolution);
  std::size_t OpenWindows() const;

  // Cumulative joules per domain since opening (NaN for a domain whose counter has failed).
  std::vector<double> TotalJoules();
  PollerStats Stats() const;
  TraceSnapshot Trace() const;
  std::string LastError() const;
  // Seconds since the meters were opened: the clock of window edges and trace samples (TraceSnapshot::t_s).
  double Now() const;
  // Mean ns per raw read of counter `counter` of source s over `iterations` reads (bench; holds the lock).
  double RawReadNs(std::size_t s, std::size_t iterations, std::size_t counter = 0);
  // Mean ns to read and extend every counter once, i.e. one window edge without the binding (bench).
  double EdgeNs(std::size_t iterations);
  // Stops the poller; the meters stay readable through Sample/Begin/End.
  void StopPoller();
  // Tests: the id the next Begin tries first, to force the wrap without 2^32 windows.
  void SetNextWindowIdForTesting(WindowId id);

 private:
  struct Track {               // one raw counter
    std::size_t source = 0, counter = 0, domain = 0;
    Counter info;
    bool primed = false;
    std::uint64_t last_raw = 0;
    std::uint64_t extended = 0;  // counts since opening, across wraps
    double integrated_j = 0;     // power sources: trapezoid integral
    double last_w = 0, last_t = 0;
    std::uint64_t errors = 0;
  };
  struct Mark {                 // a track's state at a window's begin edge
    std::uint64_t extended = 0, errors = 0;
    double integrated = 0;
  };
  struct Window {               // a reusable slot: id 0 = free
    WindowId id = 0;
    std::string name;
    double t0 = 0;
    std::vector<Mark> marks;    // per track
  };

  void SampleLocked(double t);
  Window& FindLocked(WindowId id);  // METER_WINDOW_UNKNOWN unless open
  bool OpenLocked(WindowId id) const;
  double EndLocked(Window& w, double* joules, double* below_resolution);
  std::vector<double> DomainJoulesLocked() const;
  void Run();

  std::vector<std::unique_ptr<EnergySource>> sources_;
  std::vector<MeterDomain> domains_;
  std::vector<double> update_interval_s_;  // per domain
  std::vector<Track> tracks_;
  std::vector<Window> windows_;    // slots, reused: open windows are few, a scan beats a map
  std::vector<std::uint8_t> read_zero_;  // EndInto scratch, per domain
  WindowId next_id_ = 1;
  std::string last_error_;
  std::chrono::steady_clock::time_point origin_;
  PollerOptions options_;
  double period_s_;
  std::unique_ptr<PowerTrace> trace_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::uint64_t samples_ = 0;
  double poller_cpu_s_ = 0, poller_start_s_ = 0;
};

}  // namespace mlpe::meters
