// The persistent pool: every tid runs exactly once per Run, barriers order phases, exceptions come
// back to the caller, nested Runs do not deadlock, no threads are created after the first Run, and
// idle workers stop spinning (and so stop costing energy) once the spin window has passed.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <stdexcept>
#include <vector>

#include "common/thread_pool.hpp"

using namespace mlpe;

namespace {
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
}  // namespace

int main() {
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      ++failures;
      std::printf("FAIL %s\n", what);
    }
  };
  ThreadPool& pool = ThreadPool::Shared();
  for (int team : {1, 2, 3, 5}) {
    std::vector<std::atomic<int>> hits(team);
    for (auto& h : hits) h = 0;
    std::atomic<int> bad{0};
    pool.Run(team, [&](int tid, int size) {
      if (size != team) ++bad;
      ++hits[tid];
    });
    bool once = bad == 0;
    for (auto& h : hits) once &= h == 1;
    expect(once, "each tid runs once with the asked team size");
  }
  const int created = pool.size();
  for (int rep = 0; rep < 200; ++rep) pool.Run(3, [](int, int) {});
  expect(pool.size() == created, "no thread creation per Run once the team exists");

  // Barrier: phase 2 sees every phase-1 write.
  std::vector<int> data(4, 0);
  std::atomic<int> seen{0};
  TeamBarrier barrier(4);
  pool.Run(4, [&](int tid, int) {
    data[tid] = tid + 1;
    barrier.Wait();
    int sum = 0;
    for (int v : data) sum += v;
    if (sum == 10) ++seen;
    barrier.Wait();
  });
  expect(seen == 4, "barrier orders the phases");

  bool caught = false;
  try {
    pool.Run(2, [](int tid, int) {
      if (tid == 1) throw std::runtime_error("boom");
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  expect(caught, "a worker's exception is rethrown to the caller");

  std::atomic<int> inner{0};
  pool.Run(2, [&](int, int) { pool.Run(2, [&](int, int size) { inner += size; }); });
  expect(inner == 2, "nested Run runs inline with team 1");

  std::vector<int> out(1000, 0);
  ParallelFor(1000, 3, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] += 1;
  }, 64);
  bool all = true;
  for (int v : out) all &= v == 1;
  expect(all, "ParallelFor covers [0, n) exactly once");

  // Back-to-back Runs hand off through the spin; then 300 ms of idling must cost far less than a core
  // (the spin window is 200 µs; sleeping workers cost nothing).
  for (int rep = 0; rep < 1000; ++rep) pool.Run(3, [](int, int) {});
  const double cpu_before = ProcessCpuSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double idle_cpu = ProcessCpuSeconds() - cpu_before;
  std::printf("CPU time of an idle pool over 300 ms: %.1f ms\n", idle_cpu * 1e3);
  expect(idle_cpu < 0.03, "idle workers sleep after the spin window");

  std::printf("%d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
