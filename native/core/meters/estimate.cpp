#include "meters/estimate.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include <cmath>
#include <cstdio>

#include "common/error.hpp"

namespace mlpe::meters {

EstimateSource::EstimateSource(const EstimateOptions& options)
    : watts_per_core_(options.watts_per_core), self_(options.self), children_(options.children) {
  if (!self_ && !children_) {
    throw Error("INVALID_OPTION", "the estimate counts nothing with estimateSelf and estimateChildren both false: "
                                  "leave one of them out");
  }
  if (!std::isfinite(watts_per_core_) || watts_per_core_ <= 0 || watts_per_core_ > 1000) {
    throw Error("INVALID_OPTION",
                "Expected a number of watts per core between 0 (exclusive) and 1000 for wattsPerCore (--watts-per-core) but received " +
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
  counters_.assign((self_ ? 1 : 0) + (children_ ? 1 : 0), c);
}

std::uint64_t EstimateSource::ReadRaw(std::size_t counter) {
  if (self_ && counter == 0) {  // this process first, then the children
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
  const char* whose = !self_ ? "waited-for child processes only, not this one"
                     : children_ ? "self + waited-for children"
                                 : "this process only, not its children";
  return std::string("estimated: process CPU time (") + whose + ") x " + buf +
         " W per busy core (wattsPerCore); no idle, uncore or DRAM power";
}

}  // namespace mlpe::meters
