// Which CPUs to read package- and core-scoped registers on: the first online CPU of each package (and
// of each core), from sysfs topology. The root is an option so tests use a fake tree.
#pragma once
#include <string>
#include <vector>

namespace mlpe::meters {

struct CpuPlace {
  int cpu = 0, package = 0, core = 0;
};

// Every cpuN under root (default /sys/devices/system/cpu) with a readable topology, sorted by cpu.
// Throws METER_UNAVAILABLE when none is found.
std::vector<CpuPlace> ReadTopology(const std::string& root);
// The lowest-numbered CPU of each package, in package order.
std::vector<CpuPlace> FirstCpuPerPackage(const std::vector<CpuPlace>& cpus);
// The lowest-numbered CPU of each (package, core), in that order.
std::vector<CpuPlace> FirstCpuPerCore(const std::vector<CpuPlace>& cpus);

}  // namespace mlpe::meters
