// The real-counter check, Node-free (runs on a GPU box with just g++): which sources open on this
// machine and why not, ns per raw read of each that does, and for NVML the energy counter's update
// period (a tight poll logging when the value changes) and a 1 s idle window. Build and run:
//   bash bench/meters/real_counters.sh
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "meters/meters.hpp"
#include "meters/msr.hpp"
#include "meters/nvml.hpp"
#include "meters/perf_event.hpp"
#include "meters/powercap.hpp"

using namespace mlpe::meters;
using Clock = std::chrono::steady_clock;

namespace {

double ReadNs(EnergySource& s, int n) {
  const auto t0 = Clock::now();
  volatile std::uint64_t sink = 0;
  for (int i = 0; i < n; ++i) {
    s.StartEdge();  // a fresh read each time (perf_event otherwise answers from its last group read)
    sink = sink + s.ReadRaw(0);
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
}

template <typename Make>
std::unique_ptr<EnergySource> Try(const char* name, Make make) {
  try {
    std::unique_ptr<EnergySource> s = make();
    std::printf("%-10s yes  %zu domain(s), %.0f ns per raw read; %s\n", name, s->Domains().size(), ReadNs(*s, 2000),
                s->Method().c_str());
    const ReasonFix root_only = s->RootOnly();
    if (!root_only.reason.empty()) std::printf("           root only: %s\n           fix: %s\n", root_only.reason.c_str(), root_only.fix.c_str());
    return s;
  } catch (const std::exception& e) {
    std::printf("%-10s no   %s\n", name, e.what());
    return nullptr;
  }
}

void NvmlUpdatePeriod(NvmlSource& nvml) {
  for (std::size_t i = 0; i < nvml.Devices().size(); ++i) {
    const NvmlDevice& d = nvml.Devices()[i];
    std::printf("gpu-%d: %s, architecture %d, %s\n", d.index, d.name.c_str(), d.architecture,
                d.energy_counter ? "energy counter" : "power only");
    if (!d.energy_counter) continue;
    // Poll for 2 s and log the times at which the mJ value changes.
    std::vector<double> changes;
    std::uint64_t last = nvml.ReadRaw(i), reads = 0;
    const auto t0 = Clock::now();
    double t = 0;
    while ((t = std::chrono::duration<double>(Clock::now() - t0).count()) < 2.0) {
      const std::uint64_t v = nvml.ReadRaw(i);
      ++reads;
      if (v != last) {
        changes.push_back(t);
        last = v;
      }
    }
    std::vector<double> gaps;
    for (std::size_t k = 1; k < changes.size(); ++k) gaps.push_back(changes[k] - changes[k - 1]);
    std::sort(gaps.begin(), gaps.end());
    if (gaps.empty()) {
      std::printf("  energy counter did not change in 2 s (%llu reads)\n", static_cast<unsigned long long>(reads));
    } else {
      std::printf("  energy counter update period: median %.2f ms, min %.2f ms, max %.2f ms over %zu changes (%.1f us per read)\n",
                  1e3 * gaps[gaps.size() / 2], 1e3 * gaps.front(), 1e3 * gaps.back(), gaps.size(), 2e6 / static_cast<double>(reads));
    }
  }
}

}  // namespace

int main() {
  std::printf("== sources on this machine\n");
  Try("powercap", [] { return std::make_unique<PowercapSource>(); });
  Try("perf_event", [] { return std::make_unique<PerfEventSource>(); });
  Try("msr", [] { return std::make_unique<MsrSource>(); });
  auto nvml = Try("nvml", [] { return std::make_unique<NvmlSource>(); });
  if (!nvml) return 0;
  std::printf("\n== NVML\n");
  NvmlUpdatePeriod(static_cast<NvmlSource&>(*nvml));
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::move(nvml));
  Meters meters(std::move(sources));
  const WindowId w = meters.Begin("idle");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  WindowResult r = meters.End(w);
  for (std::size_t d = 0; d < r.joules.size(); ++d) {
    std::printf("idle window %.3f s: %s %.3f J = %.1f W%s\n", r.seconds, meters.Domains()[d].key.c_str(), r.joules[d],
                r.joules[d] / r.seconds, r.below_resolution[d] ? " (below resolution)" : "");
  }
  return 0;
}
