// MSR, perf_event and NVML sources through their real code paths: sparse files standing for
// /dev/cpu/N/msr with values at the register offsets, a fake power PMU sysfs tree (plus a real
// perf_event_open), and a fake libnvidia-ml.so built here with cc and loaded through dlopen.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "meters/meters.hpp"
#include "meters/msr.hpp"
#include "meters/nvml.hpp"
#include "meters/perf_event.hpp"
#include "meters/topology.hpp"
#include "meters_check.hpp"

using namespace mlpe::meters;
using namespace meters_test;

namespace {

std::size_t Index(const Meters& m, const std::string& key) {
  for (std::size_t i = 0; i < m.Domains().size(); ++i)
    if (m.Domains()[i].key == key) return i;
  return SIZE_MAX;
}

// Four CPUs: two packages of two cores; one sparse "msr" file per CPU. Intel's registers are >= 8
// apart, so they sit at their own addresses (stride 1, as in the real device); AMD's are adjacent and
// use stride 8.
struct MsrFixture {
  std::string root = TempDir("msr");
  std::uint64_t stride;
  explicit MsrFixture(std::uint64_t s = 1) : stride(s) {
    MakeDir(root + "/cpu");
    MakeDir(root + "/dev");
    for (int cpu = 0; cpu < 4; ++cpu) {
      const std::string c = root + "/cpu/cpu" + std::to_string(cpu);
      MakeDir(c);
      MakeDir(c + "/topology");
      WriteFile(c + "/topology/physical_package_id", std::to_string(cpu / 2) + "\n");
      WriteFile(c + "/topology/core_id", std::to_string(cpu % 2) + "\n");
      WriteFile(Dev(cpu), "");
    }
    MakeDir(root + "/cpu/cpufreq");  // not a CPU
  }
  ~MsrFixture() { RemoveTree(root); }
  std::string Dev(int cpu) const { return root + "/dev/" + std::to_string(cpu) + "-msr"; }
  std::string Pattern() const { return root + "/dev/%d-msr"; }
  std::uint64_t Get(int cpu, std::uint64_t reg) const {
    std::uint64_t v = 0;
    int fd = ::open(Dev(cpu).c_str(), O_RDONLY);
    if (::pread(fd, &v, 8, static_cast<off_t>(reg * stride)) != 8) v = 0;
    ::close(fd);
    return v;
  }
  void Set(int cpu, std::uint64_t reg, std::uint64_t value) const {
    int fd = ::open(Dev(cpu).c_str(), O_WRONLY);
    if (::pwrite(fd, &value, 8, static_cast<off_t>(reg * stride)) != 8) std::perror("pwrite");
    ::close(fd);
  }
  // Source options reading this fixture as the given CPU.
  MsrOptions Options(const char* vendor, int family, int model = 0) const {
    MsrOptions o;
    o.path_pattern = Pattern();
    o.cpu_sysfs_root = root + "/cpu";
    o.vendor = vendor;
    o.family = family;
    o.model = model;
    o.register_stride = stride;
    return o;
  }
  // Adds counts to a 32-bit energy status register, keeping the reserved high bits as they are.
  void Add(int cpu, std::uint64_t reg, std::uint64_t counts) const {
    const std::uint64_t v = Get(cpu, reg);
    Set(cpu, reg, (v & ~0xFFFFFFFFull) | ((v + counts) & 0xFFFFFFFFull));
  }
};

void TestTopology() {
  MsrFixture f;
  auto cpus = ReadTopology(f.root + "/cpu");
  CHECK(cpus.size() == 4);
  auto packages = FirstCpuPerPackage(cpus);
  CHECK(packages.size() == 2 && packages[0].cpu == 0 && packages[1].cpu == 2);
  CHECK(FirstCpuPerCore(cpus).size() == 4);
  CHECK_THROWS_CODE(ReadTopology(f.root + "/nothing"), "METER_UNAVAILABLE");
}

void TestMsrIntel() {
  MsrFixture f;
  for (int cpu : {0, 2}) {
    f.Set(cpu, msr::kIntelPowerUnit, 0xA0E03);               // ESU = 14: 61 uJ
    f.Set(cpu, msr::kIntelPkgEnergy, 0xFFFFF000ull);          // close to the 32-bit wrap
    f.Set(cpu, msr::kIntelPp0Energy, 0xABCD00000000ull | 7);  // reserved high bits set: must be masked
    f.Set(cpu, msr::kIntelDramEnergy, 100);
  }
  f.Set(0, msr::kIntelPlatformEnergy, 5);
  // PP1 stays 0: absent (server parts have no graphics plane).
  const MsrOptions o = f.Options("GenuineIntel", 6, 0x55);  // Skylake-SP: DRAM uses the fixed 2^-16 J unit
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::make_unique<MsrSource>(o));
  Meters m(std::move(sources), Manual());
  CHECK(m.Domains().size() == 7);  // package, core, dram x2 + psys
  CHECK(Index(m, "uncore-0") == SIZE_MAX);
  CHECK(Index(m, "psys") != SIZE_MAX);
  CHECK(m.Domains()[Index(m, "core-1")].included_in == "package-1");
  const WindowId w = m.Begin("msr");
  std::uint64_t pkg0 = 0, dram1 = 0, core0 = 0;
  int wraps = 0;
  for (int step = 0; step < 10; ++step) {
    const std::uint64_t before = f.Get(0, msr::kIntelPkgEnergy) & 0xFFFFFFFF;
    f.Add(0, msr::kIntelPkgEnergy, 1500000000ull);  // ~0.35 of the range: several wraps over 10 steps
    pkg0 += 1500000000ull;
    if ((f.Get(0, msr::kIntelPkgEnergy) & 0xFFFFFFFF) < before) ++wraps;
    f.Add(2, msr::kIntelDramEnergy, 4000000000ull);
    dram1 += 4000000000ull;
    f.Add(0, msr::kIntelPp0Energy, 12345);
    core0 += 12345;
    m.Sample();
  }
  WindowResult r = m.End(w);
  CHECK(wraps >= 3);
  CHECK(r.joules[Index(m, "package-0")] == static_cast<double>(pkg0) * std::ldexp(1.0, -14));
  CHECK(r.joules[Index(m, "dram-1")] == static_cast<double>(dram1) * std::ldexp(1.0, -16));
  CHECK(r.joules[Index(m, "core-0")] == static_cast<double>(core0) * std::ldexp(1.0, -14));
  CHECK(r.joules[Index(m, "package-1")] == 0 && r.below_resolution[Index(m, "package-1")]);
  CHECK(IntelDramUnitQuirkJ(6, 0x8F) == 0);  // Sapphire Rapids: the unit register applies
}

void TestMsrAmd() {
  MsrFixture f(8);
  for (int cpu = 0; cpu < 4; ++cpu) {
    f.Set(cpu, msr::kAmdPowerUnit, 0xA1003);  // ESU = 16: 15.3 uJ
    f.Set(cpu, msr::kAmdCoreEnergy, 0xFFFFFF00ull + static_cast<std::uint64_t>(cpu));
    if (cpu % 2 == 0) f.Set(cpu, msr::kAmdPkgEnergy, 77);
  }
  const MsrOptions o = f.Options("AuthenticAMD", 0x1A);
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::make_unique<MsrSource>(o));
  CHECK(sources[0]->Counters().size() == 6);  // 2 packages + 4 cores
  Meters m(std::move(sources), Manual());
  CHECK(m.Domains().size() == 4);
  const WindowId w = m.Begin();
  for (int step = 0; step < 3; ++step) {
    for (int cpu = 0; cpu < 4; ++cpu) f.Add(cpu, msr::kAmdCoreEnergy, 1000u * static_cast<unsigned>(cpu + 1));
    f.Add(2, msr::kAmdPkgEnergy, 3000000000ull);
    m.Sample();
  }
  WindowResult r = m.End(w);
  const double unit = std::ldexp(1.0, -16);
  CHECK(r.joules[Index(m, "core-0")] == 3 * (1000 + 2000) * unit);  // cpu0 + cpu1, both wrapped
  CHECK(r.joules[Index(m, "core-1")] == 3 * (3000 + 4000) * unit);
  CHECK(r.joules[Index(m, "package-1")] == 9000000000.0 * unit);
}

// `domains` on MSRs: Intel package + dram reads 2 registers per package, never core or psys; AMD
// package alone never opens the other cores' devices (removed here, so opening one would fail).
void TestMsrDomainSelection() {
  MsrFixture f;
  for (int cpu : {0, 2}) {
    f.Set(cpu, msr::kIntelPowerUnit, 0xA0E03);
    f.Set(cpu, msr::kIntelPkgEnergy, 0xFFFFFFF0ull);
    f.Set(cpu, msr::kIntelPp0Energy, 9);
    f.Set(cpu, msr::kIntelDramEnergy, 100);
  }
  f.Set(0, msr::kIntelPlatformEnergy, 5);
  MsrOptions o = f.Options("GenuineIntel", 6, 0x9A);
  o.domains = ParseDomainSelection({"package", "dram"});
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::make_unique<MsrSource>(o));
  CHECK(sources[0]->Counters().size() == 4);
  Meters m(std::move(sources), Manual());
  CHECK(m.Domains().size() == 4 && Index(m, "core-0") == SIZE_MAX && Index(m, "psys") == SIZE_MAX);
  const WindowId w = m.Begin();
  f.Add(0, msr::kIntelPkgEnergy, 1000);  // wraps
  f.Add(2, msr::kIntelDramEnergy, 64);
  f.Add(0, msr::kIntelPp0Energy, 500);   // counted by nobody
  WindowResult r = m.End(w);
  const double unit = std::ldexp(1.0, -14);
  CHECK(r.joules[Index(m, "package-0")] == 1000 * unit && r.joules[Index(m, "dram-1")] == 64 * unit);
  CHECK(r.joules[Index(m, "package-1")] == 0 && r.joules[Index(m, "dram-0")] == 0);

  o.domains = ParseDomainSelection({"uncore"});  // PP1 reads 0 here: no such plane
  try {
    MsrSource none(o);
    CHECK(false);
  } catch (const mlpe::Error& e) {
    CHECK(e.code() == "METER_DOMAIN_UNAVAILABLE" && Contains(e.what(), "here it has package, core, dram, psys"));
  }

  MsrFixture amd(8);
  for (int cpu = 0; cpu < 4; ++cpu) {
    amd.Set(cpu, msr::kAmdPowerUnit, 0xA1003);
    amd.Set(cpu, msr::kAmdCoreEnergy, 10);
    if (cpu % 2 == 0) amd.Set(cpu, msr::kAmdPkgEnergy, 77);
  }
  ::unlink(amd.Dev(1).c_str());
  ::unlink(amd.Dev(3).c_str());
  MsrOptions a = amd.Options("AuthenticAMD", 0x19);
  CHECK_THROWS_CODE(MsrSource(a), "METER_UNAVAILABLE");  // every core: CPU 1's device is gone
  a.domains = ParseDomainSelection({"package"});
  MsrSource packages(a);
  CHECK(packages.Counters().size() == 2 && packages.Domains()[1].key == "package-1");
}

void TestMsrErrors() {
  MsrFixture f;
  MsrOptions o;
  o.path_pattern = f.root + "/none/%d/msr";
  o.cpu_sysfs_root = f.root + "/cpu";
  o.vendor = "GenuineIntel";
  o.family = 6;
  CHECK_THROWS_CODE(MsrSource(o), "METER_UNAVAILABLE");  // no device: modprobe msr
  o.path_pattern = f.Pattern();
  CHECK_THROWS_CODE(MsrSource(o), "METER_UNAVAILABLE");  // unit register unreadable: no RAPL MSRs
  for (int cpu : {0, 2}) f.Set(cpu, msr::kIntelPowerUnit, 0xA0E03);
  CHECK_THROWS_CODE(MsrSource(o), "METER_UNAVAILABLE");  // package counter reads 0: no RAPL (a VM)
  o.register_stride = 3;
  CHECK_THROWS_CODE(MsrSource(o), "INVALID_OPTION");
  o.register_stride = 1;
  o.vendor = "CentaurHauls";
  CHECK_THROWS_CODE(MsrSource(o), "METER_UNAVAILABLE");
  o.vendor = "AuthenticAMD";
  o.family = 0x15;
  CHECK_THROWS_CODE(MsrSource(o), "METER_UNAVAILABLE");
  // This machine's own /dev/cpu/N/msr: a VM has no RAPL MSRs (or no msr driver); either way, explained.
  try {
    MsrSource real;
    std::printf("msr: real MSRs readable here (%zu counters)\n", real.Counters().size());
  } catch (const mlpe::Error& e) {
    std::printf("msr on this machine: [%s] %s\n", e.code().c_str(), e.what());
    CHECK(e.code() == "METER_UNAVAILABLE" || e.code() == "METER_PERMISSION_DENIED");
  }
}

struct PmuFixture {
  std::string root = TempDir("pmu");
  PmuFixture(const std::string& type, const std::string& config, const std::string& scale) {
    WriteFile(root + "/type", type + "\n");
    WriteFile(root + "/cpumask", "0\n");
    MakeDir(root + "/events");
    WriteFile(root + "/events/energy-pkg", config + "\n");
    WriteFile(root + "/events/energy-pkg.scale", scale + "\n");
    WriteFile(root + "/events/energy-pkg.unit", "Joules\n");
  }
  ~PmuFixture() { RemoveTree(root); }
};

void TestPerfParsing() {
  auto a = ParseCpuList("0,28\n");
  CHECK(a && a->size() == 2 && (*a)[1] == 28);
  auto b = ParseCpuList("0-3,8");
  CHECK(b && b->size() == 5 && (*b)[3] == 3 && (*b)[4] == 8);
  CHECK(!ParseCpuList("x"));
  CHECK(!ParseCpuList("3-1"));
  CHECK(!ParseCpuList(""));
  CHECK(ParseEventConfig("event=0x02\n") == std::optional<std::uint64_t>(2));
  CHECK(ParseEventConfig("event=0x3,umask=0x1") == std::optional<std::uint64_t>(3));
  CHECK(!ParseEventConfig("umask=0x1"));
  CHECK(!ParseEventConfig("event=zz"));

  PmuFixture f("23", "event=0x02", "2.3283064365386962890625e-10");
  WriteFile(f.root + "/events/energy-ram", "event=0x03\n");
  WriteFile(f.root + "/events/energy-ram.scale", "2.3283064365386962890625e-10\n");
  WriteFile(f.root + "/cpumask", "0,28\n");
  PerfPmu pmu = ReadPerfPmu(f.root);
  CHECK(pmu.type == 23 && pmu.cpus.size() == 2 && pmu.events.size() == 2);
  CHECK(pmu.events[0].name == "energy-pkg" && pmu.events[0].config == 2);
  CHECK(pmu.events[1].name == "energy-ram" && pmu.events[1].scale == std::ldexp(1.0, -32));

  WriteFile(f.root + "/events/energy-pkg.scale", "lots\n");
  CHECK_THROWS_CODE(ReadPerfPmu(f.root), "METER_READ_FAILED");
  WriteFile(f.root + "/type", "power\n");
  CHECK_THROWS_CODE(ReadPerfPmu(f.root), "METER_READ_FAILED");
  CHECK_THROWS_CODE(ReadPerfPmu(f.root + "/missing"), "METER_UNAVAILABLE");
}

void TestPerfRealOpen() {
  // This VM has no power PMU: the default path is explained, not crashed on.
  try {
    PerfEventSource real;
    std::printf("perf_event: a real power PMU here (%zu counters)\n", real.Counters().size());
  } catch (const mlpe::Error& e) {
    std::printf("perf_event on this machine: [%s] %s\n", e.code().c_str(), e.what());
    CHECK(e.code() == "METER_UNAVAILABLE" || e.code() == "METER_PERMISSION_DENIED");
  }
  // A PMU type the kernel does not have: a real perf_event_open, refused, and explained.
  {
    PmuFixture f("4242", "event=0x02", "2.3283064365386962890625e-10");
    PerfOptions o;
    o.root = f.root;
    try {
      PerfEventSource s(o);
      CHECK(false);
    } catch (const mlpe::Error& e) {
      std::printf("perf_event_open on a missing PMU: [%s] %s\n", e.code().c_str(), e.what());
      CHECK(e.code() == "METER_UNAVAILABLE" || e.code() == "METER_PERMISSION_DENIED");
      CHECK(Contains(e.what(), "PMU type 4242"));
    }
  }
  // The software PMU's cpu-clock (type 1, config 0, ns) through the same path: a real system-wide
  // counter this VM can open as root, read and window. 1e-9 "J" per count makes joules = CPU-0 seconds.
  {
    PmuFixture f("1", "event=0x00", "1e-9");
    PerfOptions o;
    o.root = f.root;
    try {
      std::vector<std::unique_ptr<EnergySource>> sources;
      sources.push_back(std::make_unique<PerfEventSource>(o));
      Meters m(std::move(sources), Manual());
      CHECK(!std::isfinite(m.Stats().period_s) || true);
      const WindowId w = m.Begin();
      ::usleep(20000);
      WindowResult r = m.End(w);
      std::printf("perf software cpu-clock on CPU 0: %.6f s counted over a %.6f s window\n", r.joules[0], r.seconds);
      CHECK(r.joules[0] > 0 && r.joules[0] <= r.seconds * 1.05 + 1e-3);
      // Two events on each of two CPUs: one perf group per CPU, so an edge is one read() per CPU; the
      // members of a group are read at the same instant, so the two cpu-clock copies agree.
      WriteFile(f.root + "/events/energy-ram", "event=0x00\n");
      WriteFile(f.root + "/events/energy-ram.scale", "1e-9\n");
      WriteFile(f.root + "/cpumask", "0-1\n");
      auto grouped = std::make_unique<PerfEventSource>(o);
      CHECK(grouped->Counters().size() == 4 && grouped->ReadsPerEdge() == 2);
      std::vector<std::unique_ptr<EnergySource>> two;
      two.push_back(std::move(grouped));
      Meters g(std::move(two), Manual());
      const WindowId w2 = g.Begin();
      ::usleep(20000);
      WindowResult r2 = g.End(w2);
      for (double j : r2.joules) CHECK(j > 0 && j <= r2.seconds * 1.05 + 1e-3);
      const std::size_t pkg0 = 0, ram0 = 2;  // events sorted by name, then CPUs: package-0, package-1, dram-0, dram-1
      CHECK(g.Domains()[pkg0].key == "package-0" && g.Domains()[ram0].key == "dram-0");
      std::printf("grouped cpu-clock on CPU 0: %.9f and %.9f s\n", r2.joules[pkg0], r2.joules[ram0]);
      CHECK(std::fabs(r2.joules[pkg0] - r2.joules[ram0]) < 1e-4);
    } catch (const mlpe::Error& e) {
      // Not root and perf_event_paranoid > 0: the refusal must come with the sysctl fix.
      std::printf("perf software event refused: [%s] %s\n", e.code().c_str(), e.what());
      CHECK(e.code() == "METER_PERMISSION_DENIED" && Contains(e.what(), "perf_event_paranoid"));
    }
  }
}

// `domains` on perf: energy-ram points at a software event the kernel does not have, so opening it
// would fail; package alone never opens it and reads one event per edge.
void TestPerfDomainSelection() {
  PmuFixture f("1", "event=0x00", "1e-9");
  WriteFile(f.root + "/events/energy-ram", "event=0x7f\n");
  WriteFile(f.root + "/events/energy-ram.scale", "1e-9\n");
  PerfOptions o;
  o.root = f.root;
  o.domains = ParseDomainSelection({"package"});
  try {
    auto source = std::make_unique<PerfEventSource>(o);
    CHECK(source->Counters().size() == 1 && source->Domains()[0].key == "package-0");
    std::vector<std::unique_ptr<EnergySource>> sources;
    sources.push_back(std::move(source));
    Meters m(std::move(sources), Manual());
    const WindowId w = m.Begin();
    ::usleep(5000);
    WindowResult r = m.End(w);
    CHECK(r.joules[0] > 0);
  } catch (const mlpe::Error& e) {
    std::printf("perf software event refused: [%s] %s\n", e.code().c_str(), e.what());
    CHECK(e.code() == "METER_PERMISSION_DENIED");
  }
  o.domains = ParseDomainSelection({"psys"});
  try {
    PerfEventSource none(o);
    CHECK(false);
  } catch (const mlpe::Error& e) {
    CHECK(e.code() == "METER_DOMAIN_UNAVAILABLE" && Contains(e.what(), "(psys); here it has package, dram"));
  }
}

struct FakeNvml {
  std::string dir = TempDir("nvml");
  std::string lib = dir + "/libnvidia-ml-fake.so";
  FakeNvml() {
    std::string src = __FILE__;
    src = src.substr(0, src.rfind('/')) + "/fixtures/fake_nvml.c";
    const std::string cmd = "cc -shared -fPIC -O1 -DFAKE_NVML_DIR='\"" + dir + "\"' '" + src + "' -o '" + lib + "'";
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "cannot compile the fake NVML library: %s\n", cmd.c_str());
      std::exit(1);
    }
    WriteFile(dir + "/count", "2\n");
    WriteFile(dir + "/name0", "Fake H100\n");
    WriteFile(dir + "/arch0", "9\n");
    WriteFile(dir + "/energy0", "1000000\n");
    WriteFile(dir + "/name1", "Fake P100\n");
    WriteFile(dir + "/arch1", "4\n");  // Pascal: power only
    WriteFile(dir + "/energy1", "5\n");  // even if the call answers, pre-Volta counters are not trusted
    WriteFile(dir + "/power1", "50000\n");
  }
  ~FakeNvml() { RemoveTree(dir); }
  NvmlOptions Options() const {
    NvmlOptions o;
    o.library = lib;
    return o;
  }
};

void TestNvml() {
  FakeNvml f;
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  {
    auto source = std::make_unique<NvmlSource>(f.Options());
    CHECK(source->Devices().size() == 2);
    CHECK(source->Devices()[0].name == "Fake H100" && source->Devices()[0].energy_counter);
    CHECK(source->Devices()[1].architecture == 4 && !source->Devices()[1].energy_counter);
    CHECK(source->Counters()[1].reading == Reading::Power);
    CHECK(Contains(source->Method(), "power (mW) integrated"));
    std::vector<std::unique_ptr<EnergySource>> sources;
    sources.push_back(std::move(source));
    PollerOptions p = Manual();
    CHECK(PollPeriodS(sources, p) == p.power_period_s);  // power-only GPUs set the poll period
    Meters m(std::move(sources), p);
    const WindowId w = m.Begin("gpu");
    WriteFile(f.dir + "/energy0", "1012345\n");
    m.Sample();
    WriteFile(f.dir + "/energy0", "1020000\n");
    WindowResult r = m.End(w);
    CHECK(r.joules[0] == 20000 * 1e-3);
    CHECK(std::fabs(r.joules[1] - 50.0 * r.seconds) <= 1e-9 * 50.0 * (r.seconds + 1));  // constant 50 W
    // A GPU that falls off the bus mid-window: null for it, the other GPU unaffected.
    const WindowId w2 = m.Begin();
    WriteFile(f.dir + "/error1", "15\n");
    m.Sample();
    WindowResult r2 = m.End(w2);
    CHECK(std::isnan(r2.joules[1]) && !std::isnan(r2.joules[0]));
    CHECK(Contains(m.LastError(), "NVML_ERROR_GPU_IS_LOST"));
    ::unlink((f.dir + "/error1").c_str());
  }
  {
    NvmlOptions o = f.Options();
    o.devices = {1};
    NvmlSource only(o);
    CHECK(only.Domains().size() == 1 && only.Domains()[0].key == "gpu-1");
    o.devices = {5};
    CHECK_THROWS_CODE(NvmlSource(o), "INVALID_OPTION");
    ::setenv("CUDA_VISIBLE_DEVICES", "1", 1);
    CHECK(NvmlSource(f.Options()).Domains()[0].key == "gpu-1");
    ::setenv("CUDA_VISIBLE_DEVICES", "GPU-8f6a", 1);  // a UUID: not an index, so every GPU
    CHECK(NvmlSource(f.Options()).Domains().size() == 2);
    ::unsetenv("CUDA_VISIBLE_DEVICES");
  }
  WriteFile(f.dir + "/init", "9\n");
  try {
    NvmlSource s(f.Options());
    CHECK(false);
  } catch (const mlpe::Error& e) {
    CHECK(e.code() == "METER_UNAVAILABLE");
    CHECK(Contains(e.what(), "NVML_ERROR_DRIVER_NOT_LOADED") && Contains(e.what(), "modprobe nvidia"));
  }
  WriteFile(f.dir + "/init", "4\n");
  CHECK_THROWS_CODE(NvmlSource(f.Options()), "METER_PERMISSION_DENIED");
  WriteFile(f.dir + "/init", "0\n");
  WriteFile(f.dir + "/count", "0\n");
  CHECK_THROWS_CODE(NvmlSource(f.Options()), "METER_UNAVAILABLE");
  NvmlOptions missing;
  missing.library = f.dir + "/no-such-libnvidia-ml.so.1";
  try {
    NvmlSource s(missing);
    CHECK(false);
  } catch (const mlpe::Error& e) {
    CHECK(e.code() == "METER_UNAVAILABLE" && Contains(e.what(), "cannot load") && Contains(e.what(), "nvmlLibrary"));
  }
  CHECK(NvmlError(777, "nvmlX", "odd").code() == "METER_READ_FAILED");
}

}  // namespace

int main() {
  TestTopology();
  TestMsrIntel();
  TestMsrAmd();
  TestMsrDomainSelection();
  TestMsrErrors();
  TestPerfParsing();
  TestPerfRealOpen();
  TestPerfDomainSelection();
  TestNvml();
  return Finish("test_meters_sources");
}
