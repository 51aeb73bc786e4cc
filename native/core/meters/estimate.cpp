#include "meters/estimate.hpp"

#include <sys/resource.h>
#include <time.h>

#include <cmath>
#include <cstdio>

#include "common/error.hpp"

namespace mlpe::meters {

EstimateSource::EstimateSource(const EstimateOptions& options) : watts_per_core_(options.watts_per_core) {
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
  counters_.push_back(c);
}

std::uint64_t EstimateSource::ReadRaw(std::size_t) {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  auto us = [](const timeval& tv) {
    return static_cast<std::uint64_t>(tv.tv_sec) * 1000000u + static_cast<std::uint64_t>(tv.tv_usec);
  };
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec) +
         (us(children.ru_utime) + us(children.ru_stime)) * 1000u;
}

std::string EstimateSource::Method() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", watts_per_core_);
  return std::string("estimated: process CPU time (self + waited-for children) x ") + buf +
         " W per busy core (wattsPerCore); no idle, uncore or DRAM power";
}

}  // namespace mlpe::meters
