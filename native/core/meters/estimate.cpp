#include "meters/estimate.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include <cmath>
#include <cstdio>

#include "common/error.hpp"

namespace mlpe::meters {

namespace {
constexpr std::size_t kSelf = 0;  // counter 0: this process; counter 1: waited-for children
}  // namespace

EstimateSource::EstimateSource(const EstimateOptions& options)
    : watts_per_core_(options.watts_per_core), children_(options.children) {
  if (!std::isfinite(watts_per_core_) || watts_per_core_ <= 0 || watts_per_core_ > 1000) {
    throw Error("INVALID_OPTION",
                "Expected a number of watts per core between 0 (exclusive) and 1000 for wattsPerCore but received " +
                    std::to_string(watts_per_core_));
  }
  Domain d;
  d.key = "cpu";
  d.kind = DomainKind::Cpu;
  domains_.push_back(d);
  Counter c;
  c.domain = 0;
  c.reading = Reading::Energy;
  c.modulus = 0;
  c.joules_per_count = watts_per_core_ * 1e-9;  // ns of CPU time -> J
  counters_.assign(children_ ? 2 : 1, c);
}

std::uint64_t EstimateSource::ReadRaw(std::size_t counter) {
  if (counter == kSelf) {
    // Not in the vDSO: a system call that sums the run time of every thread (~16-30 ns more per thread).
    // Made directly: glibc's clock_gettime would first enter the vDSO only to fall back to the same
    // system call (~50 ns per read on the dev VM).
    timespec ts{};
    ::syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
  }
  // Children's times only grow when this process reaps one (wait*), which the edges cannot observe
  // more cheaply than by asking.
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  auto us = [](const timeval& tv) {
    return static_cast<std::uint64_t>(tv.tv_sec) * 1000000u + static_cast<std::uint64_t>(tv.tv_usec);
  };
  return (us(children.ru_utime) + us(children.ru_stime)) * 1000u;
}

std::string EstimateSource::Method() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", watts_per_core_);
  return std::string("estimated: process CPU time (") +
         (children_ ? "self + waited-for children" : "this process only, not its children") + ") x " + buf +
         " W per busy core (wattsPerCore); no idle, uncore or DRAM power";
}

}  // namespace mlpe::meters
