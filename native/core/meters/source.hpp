// The one interface every energy source implements (powercap sysfs, MSR, perf_event, NVML, estimate).
// A source exposes raw counters (one register or file each) grouped into domains (package-0, dram-0,
// gpu-1, ...). It only reads raw values; extending them across wraps, windows and the poller live in
// meters.hpp so every source gets the same, tested arithmetic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "meters/explain.hpp"

namespace mlpe::meters {

enum class DomainKind { Package, Core, Uncore, Dram, Psys, Gpu, Cpu };
const char* DomainKindName(DomainKind kind);  // "package", "core", "uncore", "dram", "psys", "gpu", "cpu"

struct Domain {
  std::string key;          // unique within a source: "package-0", "core-0", "dram-1", "gpu-0", "cpu"
  DomainKind kind = DomainKind::Package;
  int device = 0;           // package index (CPU domains) or NVML index (GPU)
  // Key of a domain whose energy already contains this one (core and uncore are inside package). ""
  // when none.
  std::string included_in;
  // Whether the domain adds into a total: package, dram, gpu and the estimate do; core and uncore (inside
  // package) and psys (package plus the rest of the platform) do not, so nothing is counted twice.
  bool in_total = true;
};

// What ReadRaw returns for a counter.
enum class Reading {
  Energy,  // a cumulative energy count (wraps at `modulus` unless modulus is 0)
  Power,   // an instantaneous power sample; the poller integrates it (NVML before Volta)
};

struct Counter {
  std::size_t domain = 0;          // index into Domains(); several counters may sum into one domain
  Reading reading = Reading::Energy;
  // The raw value runs 0..modulus-1 and then starts again at 0. 0 means a 64-bit count that does not
  // wrap within any run (perf_event, NVML energy, the estimate).
  std::uint64_t modulus = 0;
  double joules_per_count = 0;     // Energy: joules per raw count; Power: watts per raw count
};

class EnergySource {
 public:
  virtual ~EnergySource() = default;
  virtual const char* Name() const = 0;  // "powercap" | "msr" | "perf_event" | "nvml" | "estimate"
  virtual const std::vector<Domain>& Domains() const = 0;
  virtual const std::vector<Counter>& Counters() const = 0;
  // One raw read of counter i (an index into Counters()). Throws mlpe::Error (code METER_READ_FAILED
  // or METER_PERMISSION_DENIED) with the path and the fix. Called under the Meters lock only.
  virtual std::uint64_t ReadRaw(std::size_t counter) = 0;
  // Called before each round of ReadRaw over the counters (a window edge, a poller sample). A source
  // that reads several counters with one system call (perf_event groups) reads them again on the next
  // ReadRaw after this, not before: every edge is a fresh read.
  virtual void StartEdge() {}
  // How often the hardware refreshes the value: a window shorter than this is flagged belowResolution.
  virtual double UpdateIntervalS() const = 0;
  // True only for the estimate: the figure is a model, not a measurement.
  virtual bool Estimated() const { return false; }
  // One line saying how the joules come about (shown in results and `mlp-energy info`).
  virtual std::string Method() const = 0;
  // Non-empty when the source works only because this process runs as root: why, and the command that
  // gives other users access (shown by `mlp-energy info`). Not called on the hot path.
  virtual ReasonFix RootOnly() const { return {}; }
};

}  // namespace mlpe::meters
