// Powercap source, wrap extension, windows, poller period, trace and the errno->fix table, on a fake
// powercap tree in a temp dir whose counters follow a scripted sequence.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <limits>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "count_allocations.hpp"

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
  auto m = OpenTree(t, Manual());
  CHECK(m->Domains().size() == 4);
  CHECK(m->Domains()[Index(*m, "core-0")].included_in == "package-0");
  CHECK(!m->Domains()[Index(*m, "core-0")].in_total);
  CHECK(m->Domains()[Index(*m, "dram-0")].in_total);
  const WindowId w = m->Begin("all");
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
  auto m = OpenTree(t, Manual());
  const WindowId a = m->Begin("epoch");
  CHECK_THROWS_CODE(m->Begin("epoch"), "METER_WINDOW_EXISTS");
  const WindowId b = m->Begin("");
  const WindowId c = m->Begin("");
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

// Root reads a 0400 energy_uj (the tests run as root), but nobody else can: the source works here only
// because of root, and `info` says so with the fix. The decision is pure, so every euid is checked.
void TestRootOnly() {
  CHECK(ReadableOnlyAsRoot(S_IFREG | 0400, 0));
  CHECK(ReadableOnlyAsRoot(S_IFREG | 0440, 0));
  CHECK(!ReadableOnlyAsRoot(S_IFREG | 0444, 0));
  CHECK(!ReadableOnlyAsRoot(S_IFREG | 0400, 1000));  // a non-root reader is the owner or denied: no note

  Tree t(999999);
  t.Add("intel-rapl:0", "package-0", 1);
  t.Add("intel-rapl:0:0", "core", 1);
  const std::string energy = t.root + "/intel-rapl:0:0/energy_uj";
  ::chmod(energy.c_str(), 0400);
  PowercapSource source(PowercapOptions{t.root});  // opens: root may read it
  struct stat st;
  CHECK(::stat(energy.c_str(), &st) == 0);
  ReasonFix as_root = PowercapRootOnly(energy, st.st_mode, 0, t.root);
  CHECK(Contains(as_root.reason, "only because this process runs as root"));
  CHECK(Contains(as_root.reason, energy + " is mode 0400"));
  CHECK(Contains(as_root.fix, PowercapChmodCommand(t.root)) && Contains(as_root.fix, PowercapUdevCommand()));
  CHECK(PowercapRootOnly(energy, st.st_mode, 1000, t.root).reason.empty());
  CHECK(PowercapRootOnly(energy, S_IFREG | 0444, 0, t.root).reason.empty());
  // The source reports the same through the interface `info` reads (as root here; nothing otherwise).
  CHECK(source.RootOnly().reason == (::geteuid() == 0 ? as_root.reason : ""));

  // The msr driver demands CAP_SYS_RAWIO whatever the mode; msr_safe and plain files go by mode.
  ReasonFix msr = MsrRootOnly("/dev/cpu/0/msr", "/dev/cpu/%d/msr", S_IFCHR | 0600, 0);
  CHECK(Contains(msr.reason, "CAP_SYS_RAWIO") && Contains(msr.fix, "setcap cap_sys_rawio=ep"));
  CHECK(!MsrRootOnly("/dev/cpu/0/msr", "/dev/cpu/%d/msr", S_IFCHR | 0644, 0).reason.empty());
  CHECK(MsrRootOnly("/dev/cpu/0/msr", "/dev/cpu/%d/msr", S_IFCHR | 0600, 1000).reason.empty());
  ReasonFix safe = MsrRootOnly("/dev/cpu/0/msr_safe", "/dev/cpu/%d/msr_safe", S_IFCHR | 0600, 0);
  CHECK(Contains(safe.reason, "mode 0600") && Contains(safe.fix, "sudo chmod a+r /dev/cpu/*/msr_safe"));
  CHECK(MsrRootOnly("/dev/cpu/0/msr_safe", "/dev/cpu/%d/msr_safe", S_IFCHR | 0644, 0).reason.empty());
  CHECK(MsrRootOnly("/tmp/f/0-msr", "/tmp/f/%d-msr", S_IFREG | 0644, 0).reason.empty());  // a fixture file

  ReasonFix perf = PerfRootOnly(2, 0);
  CHECK(Contains(perf.reason, "perf_event_paranoid <= 0 for other users (it is 2)"));
  CHECK(Contains(perf.fix, "sysctl -w kernel.perf_event_paranoid=0"));
  CHECK(PerfRootOnly(0, 0).reason.empty() && PerfRootOnly(-1, 0).reason.empty());
  CHECK(PerfRootOnly(2, 1000).reason.empty());
  CHECK(PerfRootOnly(INT_MIN, 0).reason.empty());  // unreadable setting: nothing to claim
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

// `domains`: a 2-package tree read for package only opens and reads 2 of its 7 zones. Unselected zones
// are never opened (one has no energy_uj at all) nor read afterwards (another turns malformed mid-run,
// which a read would report), while the selected ones count exactly across a wrap.
void TestDomainSelection() {
  Tree t(999999);
  t.Add("intel-rapl:0", "package-0", 999000);
  t.Add("intel-rapl:0:0", "core", 0);
  t.Add("intel-rapl:0:1", "uncore", 0);
  t.Add("intel-rapl:0:2", "dram", 0);
  t.Add("intel-rapl:1", "package-1", 5);
  t.Add("intel-rapl:1:0", "core", 0);
  t.Add("intel-rapl:2", "psys", 0);
  ::unlink((t.root + "/intel-rapl:0:1/energy_uj").c_str());  // opening uncore would fail
  OpenOptions o;
  o.cpu = "powercap";
  o.gpu = "none";
  o.powercap.root = t.root;
  o.poller.thread = false;
  o.domains = {"package"};
  Opened opened = Open(o);
  Meters& m = *opened.meters;
  CHECK(m.Domains().size() == 2 && m.Sources()[0]->Counters().size() == 2);
  CHECK(Index(m, "package-0") == 0 && Index(m, "package-1") == 1);
  const WindowId w = m.Begin();
  WriteFile(t.root + "/intel-rapl:0:0/energy_uj", "garbage\n");  // a read of core-0 would fail now
  t.Step("intel-rapl:0", 2000);                                     // wraps
  t.Step("intel-rapl:1", 777);
  m.Sample();
  t.Step("intel-rapl:0", 30);
  WindowResult r = m.End(w);
  CHECK(r.joules[0] == 2030 * 1e-6 && r.joules[1] == 777 * 1e-6);
  CHECK(m.LastError().empty());  // nothing unselected was read by the edges or Sample

  t.Write("intel-rapl:0:0");
  // package + dram: 3 counters; core alone keeps naming the package it is inside, unqualified.
  o.domains = {"dram", "package"};
  Opened pd = Open(o);
  CHECK(pd.meters->Domains().size() == 3 && Index(*pd.meters, "dram-0") != SIZE_MAX);
  o.domains = {"core"};
  Opened core = Open(o);
  CHECK(core.meters->Domains().size() == 2);
  CHECK(core.meters->Domains()[Index(*core.meters, "core-1")].included_in == "package-1");

  // Unknown names name the valid ones; a plane the tree lacks names what it has.
  o.domains = {"package", "gpu"};
  try {
    Open(o);
    CHECK(false);
  } catch (const mlpe::Error& e) {
    CHECK(e.code() == "INVALID_OPTION" && Contains(e.what(), "package, core, uncore, dram, psys") &&
          Contains(e.what(), "\"gpu\""));
  }
  CHECK_THROWS_CODE(ParseDomainSelection({}), "INVALID_OPTION");  // selecting nothing is never meant
  Tree small(999999);
  small.Add("intel-rapl:0", "package-0", 0);
  small.Add("intel-rapl:0:0", "core", 0);
  o.powercap.root = small.root;
  o.domains = {"dram", "psys"};
  try {
    Open(o);
    CHECK(false);
  } catch (const mlpe::Error& e) {
    CHECK(e.code() == "METER_DOMAIN_UNAVAILABLE");
    CHECK(Contains(e.what(), "none of the selected RAPL domains (dram, psys)") &&
          Contains(e.what(), "here it has package, core") && Contains(e.what(), "Fix: choose domains among package, core"));
  }
  // auto: RAPL is here but lacks the planes, so no silent fall back to the estimate.
  o.cpu = "auto";
  o.perf.root = "/nonexistent/power";  // this machine's own perf and msr RAPL kept out of the test
  o.msr.path_pattern = "/nonexistent/%d/msr";
  CHECK_THROWS_CODE(Open(o), "METER_DOMAIN_UNAVAILABLE");
  // auto with no RAPL at all still falls back to the labelled estimate.
  o.powercap.root = "/nonexistent/powercap";
  CHECK(Open(o).meters->Sources()[0]->Estimated());
  o.cpu = "estimate";
  CHECK_THROWS_CODE(Open(o), "INVALID_OPTION");  // domains select RAPL planes; the estimate has none
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

// The JS binding's path (Begin + EndInto) allocates nothing once its window slots exist; slots are
// reused across nested and overlapping windows without mixing up their edges.
void TestWindowsAllocationFree() {
  Tree t(999999);
  t.Add("intel-rapl:0", "package-0", 5);
  t.Add("intel-rapl:0:0", "core", 7);
  auto m = OpenTree(t, Manual());
  double joules[2], below[2];
  m->EndInto(m->Begin("warm-up"), joules, below);  // creates the first slot and the End scratch
  long allocations = 0;  // counted around the meters calls only: the fixture's file writes allocate
  for (int i = 0; i < 100; ++i) {
    long before = g_allocations.load();
    const WindowId w = m->Begin(i % 2 ? "epoch" : "");
    allocations += g_allocations.load() - before;
    t.Step("intel-rapl:0", 3);
    before = g_allocations.load();
    m->Sample();
    m->EndInto(w, joules, below);
    allocations += g_allocations.load() - before;
    CHECK(joules[0] == 3 * 1e-6);
  }
  CHECK(allocations == 0);
  // Overlapping windows each keep their own begin edge although their slots are reused.
  const WindowId outer = m->Begin("outer");
  t.Step("intel-rapl:0", 100);
  const WindowId inner = m->Begin("inner");
  t.Step("intel-rapl:0", 20);
  m->EndInto(outer, joules, below);
  CHECK(joules[0] == 120 * 1e-6);
  const WindowId again = m->Begin("outer");  // the freed name and slot are available again
  t.Step("intel-rapl:0", 1);
  CHECK(again != outer);
  WindowResult ri = m->End(inner);
  CHECK(ri.name == "inner" && ri.joules[0] == 21 * 1e-6 && ri.below_resolution.size() == 2);
  CHECK(m->EndInto(again, joules, below) >= 0 && joules[0] == 1 * 1e-6);
  CHECK(m->OpenWindows() == 0);
  CHECK_THROWS_CODE(m->EndInto(again, joules, below), "METER_WINDOW_UNKNOWN");
  CHECK_THROWS_CODE(m->EndInto(0, joules, below), "METER_WINDOW_UNKNOWN");
}

// Window ids wrap after 2^32 - 1 windows: 0 is never an id, an id still open is skipped, and each window
// keeps its own edges across the wrap. The hook sets the next id instead of opening 4 billion windows.
void TestWindowIdsWrap() {
  Tree t(999999);
  t.Add("intel-rapl:0", "package-0", 0);
  auto m = OpenTree(t, Manual());
  const WindowId one = m->Begin("kept-1");
  const WindowId two = m->Begin("kept-2");
  CHECK(one == 1 && two == 2);
  constexpr WindowId kMax = std::numeric_limits<WindowId>::max();
  m->SetNextWindowIdForTesting(kMax - 1);
  const WindowId a = m->Begin();
  t.Step("intel-rapl:0", 1);
  const WindowId b = m->Begin();
  t.Step("intel-rapl:0", 10);
  const WindowId c = m->Begin();  // wraps: 0 is skipped, and 1 and 2 are still open
  t.Step("intel-rapl:0", 100);
  CHECK(a == kMax - 1 && b == kMax && c == 3);
  CHECK(m->End(c).joules[0] == 100 * 1e-6);
  CHECK(m->End(b).joules[0] == 110 * 1e-6);
  CHECK(m->End(a).joules[0] == 111 * 1e-6);
  CHECK(m->End(one).name == "kept-1");
  CHECK(m->Begin() == 4);  // 2 is still open but not next: ids go on from the last one given
  m->SetNextWindowIdForTesting(2);
  CHECK(m->Begin() == 3);  // the next id is open (2): skipped
  m->SetNextWindowIdForTesting(0);
  CHECK(m->Begin() == 1);  // 0 is never an id
  CHECK(m->End(two).name == "kept-2");
  CHECK(m->OpenWindows() == 3);  // 4, 3 and 1
  CHECK_THROWS_CODE(m->End(two), "METER_WINDOW_UNKNOWN");
}

// The estimate's two counters (this process; waited-for children) both land in the one `cpu` domain: a
// child that burns CPU and is reaped inside the window is counted, one reaped before it is not.
void TestEstimateCountsReapedChildren() {
  auto burn_child = [] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      timespec ts{};
      do ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      while (ts.tv_nsec < 50'000'000 && ts.tv_sec == 0);  // 50 ms of CPU
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  };
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::make_unique<EstimateSource>(EstimateOptions{10.0}));
  CHECK(sources[0]->Counters().size() == 2);
  CHECK(sources[0]->Counters()[0].domain == 0 && sources[0]->Counters()[1].domain == 0);
  Meters m(std::move(sources), Manual());
  burn_child();  // before the window: not counted
  const WindowId w = m.Begin();
  burn_child();
  WindowResult r = m.End(w);
  // >= 50 ms of child CPU at 10 W; this thread only waited, so well under a further 0.5 J.
  CHECK(r.joules[0] >= 0.5 && r.joules[0] < 1.0);

  EstimateOptions self_only{10.0};
  self_only.children = false;
  std::vector<std::unique_ptr<EnergySource>> one;
  one.push_back(std::make_unique<EstimateSource>(self_only));
  CHECK(one[0]->Counters().size() == 1);
  CHECK(Contains(one[0]->Method(), "this process only"));
  Meters mine(std::move(one), Manual());
  const WindowId w2 = mine.Begin();
  burn_child();
  CHECK(mine.End(w2).joules[0] < 0.5);  // the child's 0.5 J is not this process's
}

}  // namespace

int main() {
  TestWrapsMatchTruth();
  TestWindowNames();
  TestPollerThread();
  TestMalformed();
  TestExplain();
  TestRootOnly();
  TestOpenFallsBack();
  TestDomainSelection();
  TestTrace();
  TestWindowsAllocationFree();
  TestWindowIdsWrap();
  TestEstimateCountsReapedChildren();
  return Finish("test_meters_powercap");
}
