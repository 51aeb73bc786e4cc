// Powercap source, wrap extension, windows, poller period, trace and the errno->fix table, on a fake
// powercap tree in a temp dir whose counters follow a scripted sequence.
#include <cerrno>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "meters/estimate.hpp"
#include "meters/explain.hpp"
#include "meters/meters.hpp"
#include "meters/open.hpp"
#include "meters/powercap.hpp"
#include "meters_check.hpp"

using namespace mlpe::meters;
using namespace meters_test;

namespace {

struct Zone {
  std::string dir, name;
  std::uint64_t raw = 0, truth = 0;
};

struct Tree {
  std::string root = TempDir("powercap");
  std::uint64_t range;  // max_energy_range_uj
  std::map<std::string, Zone> zones;
  explicit Tree(std::uint64_t r) : range(r) { MakeDir(root + "/intel-rapl"); }
  ~Tree() { RemoveTree(root); }
  void Add(const std::string& dir, const std::string& name, std::uint64_t start) {
    MakeDir(root + "/" + dir);
    WriteFile(root + "/" + dir + "/name", name + "\n");
    WriteFile(root + "/" + dir + "/max_energy_range_uj", std::to_string(range) + "\n");
    zones[dir] = {dir, name, start, 0};
    Write(dir);
  }
  void Write(const std::string& dir) { WriteFile(root + "/" + dir + "/energy_uj", std::to_string(zones[dir].raw) + "\n"); }
  void Step(const std::string& dir, std::uint64_t uj) {
    Zone& z = zones[dir];
    z.raw = (z.raw + uj) % (range + 1);
    z.truth += uj;
    Write(dir);
  }
};

std::unique_ptr<Meters> OpenTree(const Tree& t, PollerOptions poller = {}) {
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::make_unique<PowercapSource>(PowercapOptions{t.root}));
  return std::make_unique<Meters>(std::move(sources), poller);
}

std::size_t Index(const Meters& m, const std::string& key) {
  for (std::size_t i = 0; i < m.Domains().size(); ++i)
    if (m.Domains()[i].key == key) return i;
  return SIZE_MAX;
}

void TestWrapsMatchTruth() {
  Tree t(262143999999ull / 100000);  // a small range so a few steps wrap it
  t.Add("intel-rapl:0", "package-0", 2621000);
  t.Add("intel-rapl:0:0", "core", 0);
  t.Add("intel-rapl:0:1", "dram", 17);
  t.Add("intel-rapl:1", "package-1", 1);
  PollerOptions manual;
  manual.thread = false;
  auto m = OpenTree(t, manual);
  CHECK(m->Domains().size() == 4);
  CHECK(m->Domains()[Index(*m, "core-0")].included_in == "package-0");
  CHECK(!m->Domains()[Index(*m, "core-0")].in_total);
  CHECK(m->Domains()[Index(*m, "dram-0")].in_total);
  const int w = m->Begin("all");
  std::uint64_t x = 12345;
  int wraps = 0;
  for (int step = 0; step < 40; ++step) {
    for (auto& [dir, z] : t.zones) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const std::uint64_t before = z.raw;
      t.Step(dir, 1000000 + (x >> 40) % 1500000);  // < one range (2.62 J) per poll
      if (z.raw < before && dir == "intel-rapl:0") ++wraps;
    }
    m->Sample();
  }
  WindowResult r = m->End(w);
  CHECK(wraps >= 3);
  for (auto& [dir, z] : t.zones) {
    const std::string key = z.name == "core" ? "core-0" : z.name == "dram" ? "dram-0" : z.name;
    CHECK(r.joules[Index(*m, key)] == static_cast<double>(z.truth) * 1e-6);
  }
  CHECK(m->OpenWindows() == 0);
  CHECK_THROWS_CODE(m->End(w), "METER_WINDOW_UNKNOWN");
}

void TestWindowNames() {
  Tree t(1000000);
  t.Add("intel-rapl:0", "package-0", 0);
  PollerOptions manual;
  manual.thread = false;
  auto m = OpenTree(t, manual);
  const int a = m->Begin("epoch");
  CHECK_THROWS_CODE(m->Begin("epoch"), "METER_WINDOW_EXISTS");
  const int b = m->Begin("");
  const int c = m->Begin("");
  CHECK(a != b && b != c);
  t.Step("intel-rapl:0", 10);
  WindowResult rb = m->End(b);
  CHECK(rb.joules[0] == 10 * 1e-6);
  CHECK(!rb.below_resolution[0] || rb.seconds < 0.001);
  WindowResult rc = m->End(c);
  CHECK(rc.joules[0] == 10 * 1e-6);
  m->End(a);
}

void TestPollerThread() {
  Tree t(999999);
  t.Add("intel-rapl:0", "package-0", 0);
  PollerOptions opts;
  opts.power_ceiling_w = 100;  // 1 J range / 100 W = 10 ms per wrap, / 4 reads -> 2.5 ms
  auto m = OpenTree(t, opts);
  CHECK(std::fabs(m->Stats().period_s - 0.0025) < 1e-12);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  PollerStats s = m->Stats();
  CHECK(s.samples >= 3);
  CHECK(s.cpu_s >= 0 && s.cpu_s < s.wall_s);
  m->StopPoller();
  CHECK(!std::isfinite(m->Stats().period_s));
  // 64-bit counters alone need no poller.
  std::vector<std::unique_ptr<EnergySource>> est;
  est.push_back(std::make_unique<EstimateSource>());
  Meters e(std::move(est));
  CHECK(!std::isfinite(e.Stats().period_s));
}

void TestMalformed() {
  Tree t(999999);
  t.Add("intel-rapl:0", "package-0", 0);
  WriteFile(t.root + "/intel-rapl:0/energy_uj", "12ab\n");
  CHECK_THROWS_CODE(PowercapSource(PowercapOptions{t.root}), "METER_READ_FAILED");
  WriteFile(t.root + "/intel-rapl:0/energy_uj", "5\n");
  WriteFile(t.root + "/intel-rapl:0/max_energy_range_uj", "-1\n");
  CHECK_THROWS_CODE(PowercapSource(PowercapOptions{t.root}), "METER_READ_FAILED");
  ::unlink((t.root + "/intel-rapl:0/max_energy_range_uj").c_str());
  CHECK_THROWS_CODE(PowercapSource(PowercapOptions{t.root}), "METER_UNAVAILABLE");
  CHECK_THROWS_CODE(PowercapSource(PowercapOptions{t.root + "/missing"}), "METER_UNAVAILABLE");
}

void TestExplain() {
  // Root can read everything here, so the permission branch is checked through the mapping itself.
  mlpe::Error denied = ExplainPowercap("/sys/class/powercap/intel-rapl:0/energy_uj", EACCES, "/sys/class/powercap");
  CHECK(denied.code() == "METER_PERMISSION_DENIED");
  CHECK(Contains(denied.what(), "CVE-2020-8694"));
  CHECK(Contains(denied.what(), "sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj"));
  CHECK(Contains(denied.what(), "udev"));
  ReasonFix rf = SplitFix(denied.what());
  CHECK(Contains(rf.reason, "Permission denied"));
  CHECK(Contains(rf.fix, "chmod") && !Contains(rf.reason, "chmod"));
  CHECK(ExplainPowercap("/x", EPERM, "/x").code() == "METER_PERMISSION_DENIED");
  CHECK(ExplainPowercap("/x", ENOENT, "/x").code() == "METER_UNAVAILABLE");
  CHECK(Contains(ExplainPowercap("/x", ENOENT, "/x").what(), "likely a VM or a container"));
  CHECK(ExplainPowercap("/x", EIO, "/x").code() == "METER_READ_FAILED");
  CHECK(ExplainMsr("/dev/cpu/0/msr", EACCES).code() == "METER_PERMISSION_DENIED");
  CHECK(Contains(ExplainMsr("/dev/cpu/0/msr", EPERM).what(), "CAP_SYS_RAWIO"));
  CHECK(Contains(ExplainMsr("/dev/cpu/0/msr", ENOENT).what(), "modprobe msr"));
  mlpe::Error perf = ExplainPerfOpen("energy-pkg", EACCES, 23, 2);
  CHECK(perf.code() == "METER_PERMISSION_DENIED");
  CHECK(Contains(perf.what(), "perf_event_paranoid <= 0 or root (it is 2)"));
  CHECK(Contains(perf.what(), "sysctl -w kernel.perf_event_paranoid=0"));
  CHECK(ExplainPerfOpen("energy-pkg", ENOENT, 23, 0).code() == "METER_UNAVAILABLE");
}

void TestOpenFallsBack() {
  OpenOptions o;
  o.powercap.root = "/nonexistent/powercap";
  o.gpu = "none";
  o.poller.thread = false;
  Opened opened = Open(o);
  CHECK(opened.meters->Domains().size() == 1);
  CHECK(opened.meters->Sources()[0]->Estimated());
  CHECK(opened.statuses.front().source == "powercap" && !opened.statuses.front().available);
  o.cpu = "powercap";
  CHECK_THROWS_CODE(Open(o), "METER_UNAVAILABLE");
  o.cpu = "rapl";
  CHECK_THROWS_CODE(Open(o), "INVALID_OPTION");
}

void TestTrace() {
  PowerTrace trace(3, 1);
  trace.Add(0.0, {0.0});
  trace.Add(1.0, {2.0});
  trace.Add(2.0, {5.0});
  trace.Add(4.0, {5.0});
  trace.Add(5.0, {15.0});
  TraceSnapshot s = trace.Snapshot();
  CHECK(s.t_s.size() == 3 && s.dropped == 1);
  CHECK(s.t_s[0] == 2.0 && s.t_s[2] == 5.0);
  CHECK(s.power_w[0][0] == 3.0 && s.power_w[0][1] == 0.0 && s.power_w[0][2] == 10.0);

  // A poller every 0.1 s folded to a 1 s trace: about one sample per second, each the mean power since the last.
  PowerTrace folded(16, 1, 1.0);
  auto energy = [](int i) { return i < 15 ? 0.2 * i : 3.0 + 0.6 * (i - 15); };  // 2 W, then 6 W
  for (int i = 0; i <= 30; ++i) folded.Add(0.1 * i, {energy(i)});
  TraceSnapshot f = folded.Snapshot();
  CHECK(f.t_s.size() == 3);
  double integral = 0, last = 0;
  for (std::size_t k = 0; k < f.t_s.size(); ++k) {
    CHECK(f.t_s[k] - last > 0.45 && f.t_s[k] - last < 1.05);
    integral += f.power_w[0][k] * (f.t_s[k] - last);
    last = f.t_s[k];
  }
  CHECK(std::fabs(integral - energy(static_cast<int>(std::lround(last * 10)))) < 1e-9);  // back to the counter
}

}  // namespace

int main() {
  TestWrapsMatchTruth();
  TestWindowNames();
  TestPollerThread();
  TestMalformed();
  TestExplain();
  TestOpenFallsBack();
  TestTrace();
  return Finish("test_meters_powercap");
}
